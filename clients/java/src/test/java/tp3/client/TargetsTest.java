package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void parsesTheUrlFormsOfOtherGrpcTools() {
        var plaintext = new Targets.HostPort("127.0.0.1", 50051, Targets.Scheme.PLAINTEXT);
        assertEquals(plaintext, Targets.parse("http://127.0.0.1:50051"));
        assertEquals(plaintext, Targets.parse("http://127.0.0.1:50051/"));
        assertEquals(plaintext, Targets.parse("HTTP://127.0.0.1:50051"));
        assertEquals(plaintext, Targets.parse("grpc://127.0.0.1:50051"));
        var tls = new Targets.HostPort("example.org", 443, Targets.Scheme.TLS);
        assertEquals(tls, Targets.parse("https://example.org:443"));
        assertEquals(tls, Targets.parse("grpcs://example.org:443/"));
        assertEquals(new Targets.HostPort("::1", 8443, Targets.Scheme.TLS), Targets.parse("https://[::1]:8443"));
        assertEquals(new Targets.HostPort("example.org", 50051), Targets.parse("dns:///example.org:50051"));
        assertEquals(new Targets.HostPort("example.org", 50051), Targets.parse("dns:example.org:50051"));
        assertEquals(new Targets.HostPort("http", 50051), Targets.parse("http:50051")); // a host named http
        assertEquals("[::1]:8443", Targets.parse("https://[::1]:8443").address());
    }

    @Test
    void refusesOtherFormsSayingWhatIsExpected() {
        String expected = "expected host:port, http://host:port, https://host:port or dns:///host:port";
        assertEquals("target 'nonsense' has no port: " + expected + ", e.g. 127.0.0.1:50051",
                assertThrows(InputException.class, () -> Targets.parse("nonsense")).getMessage());
        assertEquals("target 'https://example.org' has no port: " + expected + ", e.g. 127.0.0.1:50051",
                assertThrows(InputException.class, () -> Targets.parse("https://example.org")).getMessage());
        assertEquals("target 'http://h:1/tp3.currency.v1.CurrencyService': a path, query or user is not allowed; "
                + expected, assertThrows(InputException.class,
                        () -> Targets.parse("http://h:1/tp3.currency.v1.CurrencyService")).getMessage());
        assertEquals("target 'ftp://h:1': unknown scheme 'ftp'; " + expected,
                assertThrows(InputException.class, () -> Targets.parse("ftp://h:1")).getMessage());
        assertEquals("target 'dns://8.8.8.8/h:1': dns: names a DNS server tp3 cannot use; write dns:///host:port",
                assertThrows(InputException.class, () -> Targets.parse("dns://8.8.8.8/h:1")).getMessage());
        for (String bad : new String[] {"http://user@h:1", "http://h:1?x=1", "unix:///tmp/tp3.sock", "http:h:1"}) {
            assertTrue(assertThrows(InputException.class, () -> Targets.parse(bad)).getMessage()
                    .startsWith("target '" + bad + "': "), bad);
        }
    }

    @Test
    void rejectsMalformedTargets() {
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
