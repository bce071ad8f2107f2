package tp3.client;

import picocli.CommandLine.Option;

/** --target, shared by every command. */
public final class CommonOptions {
    @Option(
            names = {"--target", "-t"},
            paramLabel = "HOST:PORT",
            description = "Server address (default: $TP3_TARGET, else " + Targets.DEFAULT_TARGET + ").")
    String target;

    public String target() {
        return Targets.resolve(target, System.getenv());
    }
}
