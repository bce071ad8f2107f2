package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Duration;
import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputsTest {
    private static List<Inputs.Record> records(String text) {
        BufferedReader reader = new BufferedReader(new StringReader(text));
        int[] line = {0};
        List<Inputs.Record> out = new ArrayList<>();
        Inputs.Record r;
        while ((r = Inputs.next(reader, line)) != null) {
            out.add(r);
        }
        return out;
    }

    @Test
    void skipsBlankAndCommentLinesButCountsThem() {
        List<Inputs.Record> rs = records("100 EUR\n\n  # a comment\n\t6500   MAD \n");
        assertEquals(2, rs.size());
        assertEquals(new Inputs.Record(1, List.of("100", "EUR")), rs.get(0));
        assertEquals(new Inputs.Record(4, List.of("6500", "MAD")), rs.get(1));
    }

    @Test
    void pairsFromArguments() {
        assertEquals(List.of(new Inputs.BatchItem("100", "EUR"), new Inputs.BatchItem("6500", "MAD")),
                Inputs.pairs(List.of("100", "EUR", "6500", "MAD")));
        assertEquals("items come in pairs: AMOUNT CODE [AMOUNT CODE]...",
                assertThrows(InputException.class, () -> Inputs.pairs(List.of("100", "EUR", "5"))).getMessage());
    }

    @Test
    void batchLines() {
        assertEquals(new Inputs.BatchItem("12.50", "EUR"),
                Inputs.batchItem(new Inputs.Record(1, List.of("12.50", "EUR"))));
        assertEquals("line 3: expected 'AMOUNT CODE', got '6500 MAD USD'",
                assertThrows(InputException.class,
                        () -> Inputs.batchItem(new Inputs.Record(3, List.of("6500", "MAD", "USD")))).getMessage());
    }

    @Test
    void exchangeLines() {
        Inputs.Record good = new Inputs.Record(1, List.of("6500", "MAD", "USD"));
        assertEquals(new Inputs.ExchangeRequest("6500", "MAD", "USD"), Inputs.exchangeRequest(good));
        Inputs.Record bad = new Inputs.Record(2, List.of("bad", "line"));
        assertNull(Inputs.exchangeRequest(bad));
        assertEquals("expected 'AMOUNT FROM TO', got 'bad line'", Inputs.exchangeLineError(bad));
    }

    @Test
    void intervalsAreExactDurations() {
        assertEquals(Duration.newBuilder().setSeconds(1).build(), Inputs.interval("1"));
        assertEquals(Duration.newBuilder().setNanos(500_000_000).build(), Inputs.interval("0.5"));
        assertEquals(Duration.newBuilder().setSeconds(2).setNanos(10_000_000).build(), Inputs.interval("2.01"));
        assertThrows(InputException.class, () -> Inputs.interval("0"));
        assertThrows(InputException.class, () -> Inputs.interval("soon"));
    }

    @Test
    void timeoutsInMillis() {
        assertEquals(10_000, TimeoutOption.toMillis("10"));
        assertEquals(250, TimeoutOption.toMillis("0.25"));
        assertEquals(1, TimeoutOption.toMillis("0.0001"));
        assertThrows(InputException.class, () -> TimeoutOption.toMillis("-1"));
    }
}
