namespace Dashboard.Core.Database;

/// <summary>
/// Times read from <c>timestamptz</c> columns. Dapper hands them over as <see cref="DateTime"/>s in UTC; the models
/// carry <see cref="DateTimeOffset"/>s, made here and nowhere else.
/// </summary>
internal static class DbTime
{
    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? Utc(DateTime? value) => value is null ? null : Utc(value.Value);
}
