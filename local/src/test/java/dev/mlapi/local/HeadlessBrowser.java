package dev.mlapi.local;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The system's headless Chromium driven through its chromedriver, for the browser tests. Selenium
 * Manager cannot download a browser here, so both come from the OS packages ({@code chromium},
 * {@code chromium-driver}); where they are missing the test is skipped, except in CI
 * ({@code CI=true}), whose {@code .ci/run} installs them: there a missing browser is a failure.
 */
final class HeadlessBrowser {

    static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

    private HeadlessBrowser() {
    }

    /** A new headless browser; skips the calling test (fails it in CI) when none is installed. */
    static ChromeDriver start() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "no browser for the browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
                + " must exist (apt-get install chromium chromium-driver)";
        if (!installed && "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(missing + "; .ci/run installs them");
        }
        assumeTrue(installed, missing + "; skipped");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,1800", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** Waits up to 30 s (the page's own requests go through the local server's functions). */
    static WebDriverWait waitFor(ChromeDriver browser) {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }
}
