using Dashboard.Core.Readiness;

namespace Dashboard.Core.Tests;

public sealed class GracePeriodTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1.5m", 90)]
    [InlineData("2h", 7200)]
    [InlineData("45", 45)]
    [InlineData("0s", 0)]
    [InlineData("00:01:00", 60)]
    public void TryParse_ReadsDurations(string text, double seconds)
    {
        Assert.True(GracePeriod.TryParse(text, out var grace));
        Assert.Equal(TimeSpan.FromSeconds(seconds), grace);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-5s")]
    [InlineData("30x")]
    [InlineData("NaNs")]
    [InlineData("1e9s")]
    [InlineData("9999h")]
    [InlineData("30s; DROP TABLE jobs")]
    [InlineData("3\u00000s")]
    public void TryParse_RejectsWhatIsNotADuration(string? text) => Assert.False(GracePeriod.TryParse(text, out _));

    [Theory]
    [InlineData(30, "30s")]
    [InlineData(90, "90s")]
    [InlineData(120, "2m")]
    [InlineData(7200, "2h")]
    [InlineData(2.5, "2.5s")]
    public void Format_RoundTrips(double seconds, string text)
    {
        Assert.Equal(text, GracePeriod.Format(TimeSpan.FromSeconds(seconds)));
        Assert.True(GracePeriod.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromSeconds(seconds), back);
    }
}
