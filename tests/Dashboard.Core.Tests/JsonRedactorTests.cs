using System.Text.Json;
using Dashboard.Core.Jobs;

namespace Dashboard.Core.Tests;

public sealed class JsonRedactorTests
{
    private readonly JsonRedactor _redactor = new(JsonRedactor.DefaultKeys);

    [Fact]
    public void Format_MasksSecretKeysAtAnyDepth_ForNonAdmins()
    {
        const string json = """{"user": "ann", "password": "hunter2", "auth": {"Authorization": "Bearer x", "apiKey": "k1"}, "list": [{"db_password": "p"}], "X-Api-Key": "k2", "note": "password is not a key here"}""";

        var text = _redactor.Format(json, reveal: false)!;

        foreach (var secret in new[] { "hunter2", "Bearer x", "k1", "\"p\"", "k2" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.Contains("ann", text, StringComparison.Ordinal);
        Assert.Contains("password is not a key here", text, StringComparison.Ordinal);
        Assert.Equal(5, text.Split(JsonRedactor.Mask).Length - 1);
    }

    [Fact]
    public void Format_ShowsEverything_ToAdmins()
    {
        var text = _redactor.Format("""{"token": "t-1"}""", reveal: true)!;

        Assert.Contains("t-1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_UsesTheConfiguredList()
    {
        var custom = new JsonRedactor(["ssn"]);

        var text = custom.Format("""{"ssn": "123", "password": "kept"}""", reveal: false)!;

        Assert.DoesNotContain("123", text, StringComparison.Ordinal);
        Assert.Contains("kept", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MentionsSecret_FindsNestedSecretKeys()
    {
        using var probe = JsonDocument.Parse("""{"a": {"token": "guess"}}""");
        using var plain = JsonDocument.Parse("""{"customer_id": 42}""");

        Assert.True(_redactor.MentionsSecret(probe.RootElement));
        Assert.False(_redactor.MentionsSecret(plain.RootElement));
    }
}
