package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The README's Swagger UI flow in a real headless browser, against a local server on a random
 * port: "Authorize" with the OAuth2 password form, then "Try it out" on an operation that needs
 * the token.
 */
@ExtendWith(HeadlessBrowser.Required.class)
class SwaggerUiBrowserTest {

    static final String ADMIN_PASSWORD = "swagger-admin-password";

    @TempDir
    static Path data;
    static LocalServer server;
    static ChromeDriver browser;

    @BeforeAll
    static void start() {
        browser = HeadlessBrowser.start();
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tryItOut_afterAuthorizeWithThePasswordForm_sendsTheToken() {
        browser.get(server.baseUri() + "/docs/");
        var wait = HeadlessBrowser.waitFor(browser);

        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".scheme-container .btn.authorize"))).click();
        WebElement username = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("oauth_username")));
        WebElement passwordScheme = username.findElement(By.xpath("ancestor::div[contains(@class,'auth-container')]"));
        username.sendKeys("admin");
        passwordScheme.findElement(By.id("oauth_password")).sendKeys(ADMIN_PASSWORD);
        passwordScheme.findElement(By.cssSelector(".auth-btn-wrapper .btn.authorize")).click();
        // Authorized: the form gives way to the scheme's Logout button, and no error is shown.
        wait.until(driver -> passwordScheme.getText().contains("Logout") || !passwordScheme.findElements(
                By.cssSelector(".errors")).isEmpty());
        assertThat(passwordScheme.findElements(By.cssSelector(".errors"))).as(passwordScheme.getText()).isEmpty();
        browser.findElement(By.cssSelector(".dialog-ux .btn-done")).click();

        WebElement me = browser.findElement(By.id("operations-auth-currentUser"));
        me.findElement(By.cssSelector(".opblock-summary-control")).click();
        wait.until(ExpectedConditions.elementToBeClickable(me.findElement(By.cssSelector(".try-out__btn")))).click();
        wait.until(ExpectedConditions.elementToBeClickable(me.findElement(By.cssSelector(".btn.execute")))).click();

        WebElement status = wait.until(driver -> me.findElements(
                By.cssSelector(".live-responses-table .response .response-col_status")).stream().findFirst().orElse(null));
        String body = me.findElement(By.cssSelector(".live-responses-table .response .microlight")).getText();
        assertThat(status.getText()).as(body).startsWith("200");
        assertThat(body).contains("\"username\": \"admin\"").contains("\"role\": \"admin\"");
        // The request Swagger UI shows went to this server's port, not a hard-coded one.
        assertThat(me.findElement(By.cssSelector(".request-url")).getText())
                .endsWith(server.baseUri() + "/auth/users/me");
    }
}
