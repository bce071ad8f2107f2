package tp3.client;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code chat} subcommand has: --target, --lang (else the one given to {@code chat}
 * itself), and no --name given to {@code chat} itself.
 */
abstract class ChatSubcommand {
    @ParentCommand ChatCommand chat;
    @Spec CommandSpec spec;
    @Mixin CommonOptions common;
    @Mixin LangOption lang;

    /** The language to print in: this command's --lang, else chat's ({@code chat --lang fr who}). */
    Lang language() {
        return lang.lang(chat.lang);
    }

    /** "chat --name x who" is a mistake, not a --name to ignore. */
    void refuseChatName() {
        if (chat.name != null) {
            throw new ParameterException(spec.commandLine(), spec.findOption("--name") != null
                    ? "give --name after the command: 'chat " + spec.name() + " --name ...'"
                    : "'chat " + spec.name() + "' takes no --name");
        }
    }

    /** --room ROOM, for the subcommands about one room. */
    static final class RoomOption {
        @Option(names = {"--room", "-r"}, paramLabel = "ROOM", defaultValue = ChatCommand.DEFAULT_ROOM,
                description = "The room (default: ${DEFAULT-VALUE}).")
        String room;
    }
}
