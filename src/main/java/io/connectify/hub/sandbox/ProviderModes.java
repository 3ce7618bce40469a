package io.connectify.hub.sandbox;

import java.util.Comparator;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Every provider's mode; logs one line per provider at startup ("google-calendar: sandbox"). */
@Component
public class ProviderModes {

    private static final Logger log = LoggerFactory.getLogger(ProviderModes.class);

    private final List<ProviderMode> modes;

    public ProviderModes(List<ProviderMode> modes) {
        this.modes = modes.stream().sorted(Comparator.comparing(ProviderMode::provider)).toList();
        this.modes.forEach(m -> log.info("{}: {}", m.provider(), m.label()));
    }

    public List<ProviderMode> all() {
        return modes;
    }

    public boolean allSandbox() {
        return modes.stream().noneMatch(ProviderMode::live);
    }

    public List<String> liveProviders() {
        return modes.stream().filter(ProviderMode::live).map(ProviderMode::provider).toList();
    }
}
