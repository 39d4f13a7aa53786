package dev.mlapi.local;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The system's headless Chromium driven through its chromedriver, for the browser tests. Selenium
 * Manager cannot download a browser here, so both come from the OS packages ({@code chromium},
 * {@code chromium-driver}); where they are missing a test class marked
 * {@code @ExtendWith(HeadlessBrowser.Required.class)} is skipped with the reason, except in CI
 * ({@code CI=true}), whose {@code .ci/run} installs them: there a missing browser is a failure.
 */
final class HeadlessBrowser {

    static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

    private HeadlessBrowser() {
    }

    /** Skips the test class, with what to install, where no browser is installed (outside CI). */
    static final class Required implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return installed() || inCi() ? ConditionEvaluationResult.enabled("a browser is installed (or this is CI)")
                    : ConditionEvaluationResult.disabled(missing() + "; skipped");
        }
    }

    static boolean installed() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    private static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static String missing() {
        return "no browser for the browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
                + " must exist (apt-get install chromium chromium-driver)";
    }

    /** A new headless browser; fails when none is installed (CI, where .ci/run installs one). */
    static ChromeDriver start() {
        if (!installed()) {
            fail(missing() + "; .ci/run installs them");
        }
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
