using Dashboard.Core.Actions;
using Dashboard.Core.Audit;
using Dashboard.Testing;
using static Dashboard.Core.Tests.ActionTestData;

namespace Dashboard.Core.Tests;

/// <summary>Each test tampers with the chain as a superuser would, so each gets a database of its own.</summary>
public sealed class AuditVerifierTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        // Six entries written the way the console writes them, two of them concurrently.
        var actions = CreateActions(_db);
        for (var i = 0; i < 4; i++)
        {
            await actions.ExecuteAsync(new PauseKind($"k{i}"), Alice, $"reason {i}", Key(), CancellationToken.None);
        }

        await Task.WhenAll(
            Task.Run(() => actions.ExecuteAsync(new ResumeKind("k0"), Alice, "resume", Key(), CancellationToken.None)),
            Task.Run(() => actions.ExecuteAsync(new ResumeKind("k1"), Bob, "resume", Key(), CancellationToken.None)));
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Verify_IsOk_WhenNothingWasTouched()
    {
        var result = await new AuditVerifier(_db.Db).VerifyAsync(chunkSize: 4, CancellationToken.None);

        Assert.Equal(new AuditVerification(true, 6, null, AuditChainProblem.None, "6 entries verified; the chain is intact"), result);
    }

    [Fact]
    public async Task Verify_ReportsTheEditedEntry_WhenSuperuserChangesAReason()
    {
        await SuperuserAsync("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3");

        var result = await new AuditVerifier(_db.Db).VerifyAsync(chunkSize: 2, CancellationToken.None);

        Assert.Equal((false, 3L, AuditChainProblem.HashMismatch, 3L), (result.Ok, result.FirstBrokenSeq!.Value, result.Problem, result.EntriesChecked));
        Assert.Contains("entry 3 was changed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ReportsTheNextEntry_WhenEditorAlsoRecomputesTheHash()
    {
        await SuperuserAsync("UPDATE audit_log SET outcome = 'applied: nothing' WHERE seq = 4");
        await SuperuserAsync("UPDATE audit_log a SET hash = audit_digest(a) WHERE seq = 4");

        var result = await new AuditVerifier(_db.Db).VerifyAsync(CancellationToken.None);

        Assert.Equal((false, 5L, AuditChainProblem.PrevHashMismatch), (result.Ok, result.FirstBrokenSeq!.Value, result.Problem));
    }

    [Fact]
    public async Task Verify_ReportsTheMissingEntry_WhenSuperuserDeletesOne()
    {
        await SuperuserAsync("DELETE FROM audit_log WHERE seq = 2");

        var result = await new AuditVerifier(_db.Db).VerifyAsync(chunkSize: 3, CancellationToken.None);

        Assert.Equal((false, 2L, AuditChainProblem.MissingSeq), (result.Ok, result.FirstBrokenSeq!.Value, result.Problem));
        Assert.Equal("entry 2 is missing: the entry after 1 is 3", result.Message);
    }

    [Fact]
    public async Task Verify_ReportsMissingTail_WhenSuperuserDeletesTheNewestEntries()
    {
        await SuperuserAsync("DELETE FROM audit_log WHERE seq >= 5");

        var result = await new AuditVerifier(_db.Db).VerifyAsync(CancellationToken.None);

        Assert.Equal((false, 5L, AuditChainProblem.MissingSeq, 4L), (result.Ok, result.FirstBrokenSeq!.Value, result.Problem, result.EntriesChecked));
    }

    [Fact]
    public async Task Verify_ReportsHeadMismatch_WhenTheHeadWasRewritten()
    {
        await _db.PsqlAsync("UPDATE audit_chain_head SET last_hash = '\\x01'");

        var result = await new AuditVerifier(_db.Db).VerifyAsync(CancellationToken.None);

        Assert.Equal((false, 6L, AuditChainProblem.HeadMismatch), (result.Ok, result.FirstBrokenSeq!.Value, result.Problem));
    }

    [Fact]
    public async Task AuditLog_RejectsUpdateDeleteAndTruncate_EvenForTheOwner_WhileTriggersAreOn()
    {
        foreach (var sql in new[] { "UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log" })
        {
            var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _db.PsqlAsync(sql));
            Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
        }

        Assert.True((await new AuditVerifier(_db.Db).VerifyAsync(CancellationToken.None)).Ok);
    }

    private async Task SuperuserAsync(string sql) => await _db.PsqlAsync(
        $"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; {sql}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;");
}
