using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Audit;

/// <summary>Why the hash chain is broken at <see cref="AuditVerification.FirstBrokenSeq"/>.</summary>
public enum AuditChainProblem
{
    /// <summary>The chain is intact.</summary>
    None,

    /// <summary>The entry's content no longer matches its hash: it was edited after it was written.</summary>
    HashMismatch,

    /// <summary>The entry's prev_hash is not the previous entry's hash: an entry before it was altered or replaced.</summary>
    PrevHashMismatch,

    /// <summary>An entry is missing from the sequence: it was deleted.</summary>
    MissingSeq,

    /// <summary>The last entry's hash is not the one the chain head recorded.</summary>
    HeadMismatch,
}

/// <summary>
/// The result of a verification. <see cref="EntriesChecked"/> counts entries read up to the first problem (all of
/// them when <see cref="Ok"/>); <see cref="FirstBrokenSeq"/> and <see cref="Problem"/> name the first problem found.
/// </summary>
public sealed record AuditVerification(bool Ok, long EntriesChecked, long? FirstBrokenSeq, AuditChainProblem Problem, string Message);

/// <summary>
/// Checks the audit log's hash chain: every entry's hash against <c>audit_digest</c> of its content, every prev_hash
/// against the previous entry's hash, the sequence for gaps, and the last entry against the chain head. Reads in
/// short keyset-paged chunks (no long transaction) up to the head as it was when verification started. Detects any
/// edit or deletion made by bypassing the triggers; a superuser who rewrites every later entry and the head is out of
/// its reach, so keep copies of the head hash elsewhere (e.g. in exports) to anchor it.
/// </summary>
public sealed class AuditVerifier(Db db)
{
    internal const int DefaultChunkSize = 1000;

    private const string HeadSql = "SELECT last_seq AS LastSeq, last_hash AS LastHash FROM audit_chain_head";

    private const string ChunkSql = """
        SELECT a.seq AS Seq, a.prev_hash AS PrevHash, a.hash AS Hash, audit_digest(a) = a.hash AS HashMatches
        FROM audit_log a
        WHERE a.seq > @After AND a.seq <= @UpTo
        ORDER BY a.seq
        LIMIT @Limit
        """;

    /// <summary>Verifies the whole chain; never throws for a broken chain (only for database errors).</summary>
    public Task<AuditVerification> VerifyAsync(CancellationToken ct) => VerifyAsync(DefaultChunkSize, ct);

    internal async Task<AuditVerification> VerifyAsync(int chunkSize, CancellationToken ct)
    {
        Head head;
        await using (var conn = await db.OpenAsync(ct))
        {
            head = await conn.QuerySingleAsync<Head>(new CommandDefinition(HeadSql, cancellationToken: ct));
        }

        var expected = 1L;
        var previousHash = new byte[] { 0 };
        var checkedCount = 0L;
        while (expected <= head.LastSeq)
        {
            List<Link> chunk;
            await using (var conn = await db.OpenAsync(ct))
            {
                chunk = (await conn.QueryAsync<Link>(new CommandDefinition(
                    ChunkSql, new { After = expected - 1, UpTo = head.LastSeq, Limit = chunkSize }, cancellationToken: ct))).ToList();
            }

            if (chunk.Count == 0)
            {
                break;
            }

            foreach (var link in chunk)
            {
                if (link.Seq != expected)
                {
                    return Broken(checkedCount, expected, AuditChainProblem.MissingSeq,
                        $"entry {expected} is missing: the entry after {expected - 1} is {link.Seq}");
                }

                checkedCount++;
                if (!link.PrevHash.AsSpan().SequenceEqual(previousHash))
                {
                    return Broken(checkedCount, link.Seq, AuditChainProblem.PrevHashMismatch,
                        $"entry {link.Seq} does not follow from entry {link.Seq - 1}: its prev_hash differs from that entry's hash");
                }

                if (!link.HashMatches)
                {
                    return Broken(checkedCount, link.Seq, AuditChainProblem.HashMismatch,
                        $"entry {link.Seq} was changed after it was written: its content does not match its hash");
                }

                previousHash = link.Hash;
                expected++;
            }
        }

        if (expected <= head.LastSeq)
        {
            return Broken(checkedCount, expected, AuditChainProblem.MissingSeq,
                $"entries {expected} to {head.LastSeq} are missing: the chain head records {head.LastSeq} entries");
        }

        if (!previousHash.AsSpan().SequenceEqual(head.LastHash))
        {
            return Broken(checkedCount, head.LastSeq, AuditChainProblem.HeadMismatch,
                $"the chain head's hash does not match entry {head.LastSeq}");
        }

        return new AuditVerification(true, checkedCount, null, AuditChainProblem.None, $"{checkedCount} entries verified; the chain is intact");
    }

    private static AuditVerification Broken(long checkedCount, long seq, AuditChainProblem problem, string message) =>
        new(false, checkedCount, seq, problem, message);

    private sealed class Head
    {
        public long LastSeq { get; init; }
        public byte[] LastHash { get; init; } = [];
    }

    private sealed class Link
    {
        public long Seq { get; init; }
        public byte[] PrevHash { get; init; } = [];
        public byte[] Hash { get; init; } = [];
        public bool HashMatches { get; init; }
    }
}
