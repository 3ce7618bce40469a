package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.google.gson.Gson;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.CamelContext;
import org.apache.camel.component.file.FileComponent;
import org.apache.camel.component.mock.MockComponent;
import org.apache.camel.component.xslt.XsltComponent;
import org.apache.camel.language.xpath.XPathLanguage;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.jms.config.JmsListenerConfigUtils;
import org.springframework.transaction.config.TransactionManagementConfigUtils;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The auto-configurations application.yaml excludes set nothing up at the start, and a route that names one of
 * their components or languages still gets it: Camel finds it on the class path when first asked.
 */
@HubTest
class ExcludedAutoConfigurationsTest extends HubTestBase {

    @Autowired
    ApplicationContext spring;
    @Autowired
    CamelContext camel;

    @Test
    void theirBeansAreNotMadeAtTheStart() {
        // what each Camel starter's auto-configuration registers: a customizer applied when Camel makes the component
        assertThat(List.of("configureMockComponent", "configureFileComponent", "configureXsltComponent",
                "configureXPathLanguage")).noneMatch(spring::containsBean);
        assertThat(spring.getBeanNamesForType(Gson.class)).isEmpty();
        // a component the hub uses keeps its auto-configuration
        assertThat(spring.containsBean("configurePlatformHttpComponent")).isTrue();
    }

    @Test
    void noBeanPostProcessorLooksForTransactionalOrJmsListenerMethods() {
        // the hub has neither: the advisor and the listener processor searched every method of every bean for them
        assertThat(spring.containsBean(TransactionManagementConfigUtils.TRANSACTION_ADVISOR_BEAN_NAME)).isFalse();
        assertThat(spring.containsBean(JmsListenerConfigUtils.JMS_LISTENER_ANNOTATION_PROCESSOR_BEAN_NAME)).isFalse();
        // the database's transactions go through the hub's own template, on the database's manager
        assertThat(spring.getBean(TransactionTemplate.class).getTransactionManager())
                .isInstanceOf(JdbcTransactionManager.class);
    }

    @Test
    void aRouteCanStillNameTheirComponentsAndLanguages() {
        assertThat(camel.getComponent("mock")).isInstanceOf(MockComponent.class);
        assertThat(camel.getComponent("file")).isInstanceOf(FileComponent.class);
        assertThat(camel.getComponent("xslt")).isInstanceOf(XsltComponent.class);
        assertThat(camel.resolveLanguage("xpath")).isInstanceOf(XPathLanguage.class);
    }
}
