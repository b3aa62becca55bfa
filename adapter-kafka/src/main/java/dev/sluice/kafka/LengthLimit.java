package dev.sluice.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares out how many records to skip over partitions for an emulated maximum length. Kafka
 * orders records within a partition only, so the skip is taken from each partition's oldest
 * records in proportion to its lag (largest remainder first): exact for one partition, and for
 * several it keeps every partition's newest records.
 */
final class LengthLimit {

    private LengthLimit() {
    }

    /**
     * @param lags records not yet handed out, per partition
     * @param skip how many to skip in total, at most the sum of {@code lags}
     * @return how many to skip per partition; the values add up to {@code skip}, none over its lag
     */
    static <P> Map<P, Long> shareOut(Map<P, Long> lags, long skip) {
        long total = lags.values().stream().mapToLong(Long::longValue).sum();
        if (skip < 0 || skip > total) {
            throw new IllegalArgumentException("skip (" + skip + ") must be between 0 and the total lag (" + total + ")");
        }
        Map<P, Long> shares = new HashMap<>();
        List<Map.Entry<P, Long>> byRemainder = new ArrayList<>(lags.entrySet());
        long given = 0;
        for (Map.Entry<P, Long> e : lags.entrySet()) {
            long share = total == 0 ? 0 : Math.multiplyExact(e.getValue(), skip) / total;
            shares.put(e.getKey(), share);
            given += share;
        }
        byRemainder.sort(Comparator.comparingLong((Map.Entry<P, Long> e) -> total == 0 ? 0 : Math.multiplyExact(e.getValue(), skip) % total)
                .reversed());
        for (int i = 0; given < skip; i++) {
            Map.Entry<P, Long> e = byRemainder.get(i % byRemainder.size());
            if (shares.get(e.getKey()) < e.getValue()) {
                shares.merge(e.getKey(), 1L, Long::sum);
                given++;
            }
        }
        return shares;
    }
}
