package tp3.client;

import java.io.File;
import picocli.CommandLine.Option;

/** --target and the connection's security (TLS, token), shared by every command. */
public final class CommonOptions {
    @Option(
            names = {"--target", "-t"},
            paramLabel = "TARGET",
            description = "Server address: host:port, http://host:port, https://host:port (TLS) or "
                    + "dns:///host:port (default: $TP3_TARGET, else " + Targets.DEFAULT_TARGET + ").")
    String target;

    @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:TP3_TLS_CA}",
            description = "Connect over TLS, trusting this CA (PEM; default: $TP3_TLS_CA).")
    File tlsCa;

    @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:TP3_TLS_CERT}",
            description = "Client certificate for mutual TLS (PEM; default: $TP3_TLS_CERT).")
    File tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:TP3_TLS_KEY}",
            description = "Its private key (PKCS#8 PEM; default: $TP3_TLS_KEY).")
    File tlsKey;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TP3_TOKEN}",
            description = "Token for a server that asks for one (prefer $TP3_TOKEN: others can read a command line).")
    String token;

    public String target() {
        return Targets.resolve(target, System.getenv());
    }

    /** A connection to the target with these options. */
    public Connection connect() {
        boolean tls = tlsCa != null || tlsCert != null || tlsKey != null;
        return new Connection(target(), tls ? new Connection.Tls(tlsCa, tlsCert, tlsKey) : null, token);
    }
}
