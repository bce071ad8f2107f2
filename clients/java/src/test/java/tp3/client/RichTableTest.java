package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What rich prints for the same tables (rich 15, off a terminal), trailing spaces included. */
class RichTableTest {
    @Test
    void anEmptyTableIsItsHeader() {
        assertEquals(List.of(
                "                    Joueurs                    ",
                "┏━━━━┳━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓",
                "┃ n° ┃ Joueur ┃ Victoires ┃ Meilleur (essais) ┃",
                "┡━━━━╇━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩",
                "└────┴────────┴───────────┴───────────────────┘"),
                RichTable.render("Joueurs", List.<String[]>of(
                        new String[] {"n°", "Joueur", "Victoires", "Meilleur (essais)"}), 1, ""));
    }

    @Test
    void titleAndCaptionWrapAsRichWrapsWords() {
        List<String[]> rows = List.of(new String[] {"#", "Name"}, new String[] {"1", "bob"}, new String[] {"10", "x é"});
        assertEquals(List.of(
                "A rather long",
                " title for a ",
                "narrow table ",
                "┏━━━━┳━━━━━━┓",
                "┃  # ┃ Name ┃",
                "┡━━━━╇━━━━━━┩",
                "│  1 │ bob  │",
                "│ 10 │ x é  │",
                "└────┴──────┘",
                "  x  y   z   ",
                "averyveryvery",
                "longwordthati",
                "  slong end  "),
                RichTable.render("A rather long title for a narrow table", rows, 1,
                        "x  y   z   averyveryverylongwordthatislong end"));
    }
}
