package io.connectify.hub.support;

import org.apache.camel.CamelContext;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Renews, in every Spring test's context, the API endpoints' pools another context shut down (see
 * {@link SharedProviderPools}): before each test method and, for a context cached already, before the class (its
 * {@code @BeforeAll} may call out). Registered for every Spring test in {@code META-INF/spring.factories}, so a test
 * class that does not extend {@link HubTestBase} (SandboxModeTest's context) is covered as well: before, only
 * HubTestBase's {@code @BeforeEach} renewed them.
 */
public class SharedProviderPoolsRenewal extends AbstractTestExecutionListener {

    /** Right after Spring's dependency injection (2000), which loads the context, before the test's own callbacks. */
    private static final int ORDER = 2100;

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public void beforeTestClass(TestContext testContext) {
        renew(testContext);
    }

    @Override
    public void beforeTestMethod(TestContext testContext) {
        renew(testContext);
    }

    private static void renew(TestContext testContext) {
        // never loads a context: one not loaded yet has made no call, and loading it here would hide a failure's
        // place; before a test method the dependency injection has loaded it
        if (!testContext.hasApplicationContext()) {
            return;
        }
        ApplicationContext context = testContext.getApplicationContext();
        context.getBeansOfType(CamelContext.class).values().forEach(SharedProviderPools::renewShutDown);
    }
}
