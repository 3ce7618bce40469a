package io.connectify.hub.web;

import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The executor camel-platform-http hands each request to: this one runs it on the servlet thread that took it.
 * The default (Spring's task pool) moved every request to a second thread, costing a hand-off per request and
 * limiting concurrent requests to the pool's size behind an unbounded queue.
 */
public class InlineHttpExecutor extends SimpleAsyncTaskExecutor {

    @Override
    protected void doExecute(Runnable task) {
        task.run();
    }
}
