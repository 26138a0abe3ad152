using Dapper;
using Dashboard.Core.Database;

namespace Dashboard.Core.Instances;

/// <summary>
/// The key ring that protects sign-in cookies and antiforgery tokens, kept in PostgreSQL so every instance of the
/// console uses the same keys (a cookie from one instance is accepted by another).
/// </summary>
public sealed class DataProtectionKeys(Db db)
{
    private const string AllSql = "SELECT xml FROM data_protection_keys ORDER BY created_at, name";

    // A key's name is unique; writing the same key twice (a retried start) keeps the first copy.
    private const string StoreSql = "INSERT INTO data_protection_keys (name, xml) VALUES (@Name, @Xml) ON CONFLICT (name) DO NOTHING";

    public IReadOnlyList<string> All()
    {
        using var conn = db.DataSource.OpenConnection();
        return [.. conn.Query<string>(AllSql)];
    }

    public void Store(string name, string xml)
    {
        using var conn = db.DataSource.OpenConnection();
        conn.Execute(StoreSql, new { Name = name, Xml = xml });
    }
}
