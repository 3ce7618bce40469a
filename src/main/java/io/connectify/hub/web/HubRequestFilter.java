package io.connectify.hub.web;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Spring's once-per-request filter, its "already filtered" request attribute's name built once: Spring concatenates
 * it on every request for every filter, the hub's twelve included, whether the filter applies or not (2% of a
 * webhook's request-thread garbage in a JFR profile of the benchmark's fixed-rate run, p8). The name is the same,
 * read on the first request, after the container has given the filter its name.
 */
public abstract class HubRequestFilter extends OncePerRequestFilter {

    private volatile String alreadyFiltered;

    @Override
    protected String getAlreadyFilteredAttributeName() {
        String name = alreadyFiltered;
        if (name == null) {
            name = super.getAlreadyFilteredAttributeName();
            alreadyFiltered = name;
        }
        return name;
    }
}
