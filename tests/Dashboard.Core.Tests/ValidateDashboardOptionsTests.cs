namespace Dashboard.Core.Tests;

public sealed class ValidateDashboardOptionsTests
{
    private static readonly ValidateDashboardOptions _validator = new();

    [Fact]
    public void Validate_NamesTheSetting_WhenConnectionStringIsMalformed()
    {
        var result = _validator.Validate(null, new DashboardOptions { ConnectionString = "Host=x;Bogus Key=1" });

        Assert.True(result.Failed);
        Assert.Contains("ConnectionStrings:Jobs", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReportsEveryProblem_InOneMessage()
    {
        var result = _validator.Validate(null, new DashboardOptions
        {
            ConnectionString = null,
            WorkerStaleAfter = TimeSpan.Zero,
            FinishedCountCap = 0,
        });

        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains("Dashboard:WorkerStaleAfter", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Dashboard:FinishedCountCap", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a_channel_name_that_is_longer_than_the_sixty_three_bytes_postgres_keeps")]
    public void Validate_NamesTheSetting_WhenChangeChannelIsNotAUsableName(string channel)
    {
        var result = _validator.Validate(null, new DashboardOptions { ConnectionString = "Host=localhost", ChangeChannel = channel });

        Assert.True(result.Failed);
        Assert.Contains("Dashboard:ChangeChannel", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(1000)]
    public void Validate_NamesTheSetting_WhenChunkPauseFactorIsOutOfRange(double factor)
    {
        var result = _validator.Validate(null, new DashboardOptions { ConnectionString = "Host=localhost", Bulk = new BulkOptions { ChunkPauseFactor = factor } });

        Assert.True(result.Failed);
        Assert.Contains("Dashboard:Bulk:ChunkPauseFactor", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Succeeds_WithDefaults()
    {
        var result = _validator.Validate(null, new DashboardOptions { ConnectionString = "Host=localhost;Database=jobs" });

        Assert.True(result.Succeeded);
    }
}
