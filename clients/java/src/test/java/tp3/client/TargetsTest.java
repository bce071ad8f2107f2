package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetsTest {
    @Test
    void parsesHostAndPort() {
        assertEquals(new Targets.HostPort("127.0.0.1", 50051), Targets.parse("127.0.0.1:50051"));
        assertEquals(new Targets.HostPort("example.org", 443), Targets.parse(" example.org:443 "));
    }

    @Test
    void parsesBracketedIpv6() {
        assertEquals(new Targets.HostPort("::1", 50051), Targets.parse("[::1]:50051"));
    }

    @Test
    void rejectsMalformedTargets() {
        assertEquals("target 'nonsense' must look like host:port, e.g. 127.0.0.1:50051",
                assertThrows(InputException.class, () -> Targets.parse("nonsense")).getMessage());
        assertThrows(InputException.class, () -> Targets.parse(":50051"));
        for (String bad : new String[] {"host:", "host:0", "host:65536", "host:http", "host:-1", "host:9999999999"}) {
            assertEquals("target '" + bad + "' has no valid port (1-65535)",
                    assertThrows(InputException.class, () -> Targets.parse(bad)).getMessage());
        }
    }

    @Test
    void defaultComesFromEnvironmentThenFallback() {
        assertEquals("127.0.0.1:50051", Targets.defaultTarget(Map.of()));
        assertEquals("127.0.0.1:50051", Targets.defaultTarget(Map.of("TP3_TARGET", "")));
        assertEquals("h:1", Targets.defaultTarget(Map.of("TP3_TARGET", "h:1")));
        assertEquals("o:2", Targets.resolve("o:2", Map.of("TP3_TARGET", "h:1")));
        assertEquals("h:1", Targets.resolve(null, Map.of("TP3_TARGET", "h:1")));
    }
}
