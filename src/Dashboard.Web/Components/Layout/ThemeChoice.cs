namespace Dashboard.Web.Components.Layout;

/// <summary>Light, dark, or whatever the operating system prefers (the default).</summary>
public enum ThemeChoice
{
    System,
    Light,
    Dark,
}

public static class ThemeChoices
{
    /// <summary>A stored value; anything unknown (or nothing) means following the system.</summary>
    public static ThemeChoice Parse(string? stored) => stored switch
    {
        "light" => ThemeChoice.Light,
        "dark" => ThemeChoice.Dark,
        _ => ThemeChoice.System,
    };

    public static string Format(ThemeChoice choice) => choice switch
    {
        ThemeChoice.Light => "light",
        ThemeChoice.Dark => "dark",
        _ => "system",
    };

    public static bool IsDark(ThemeChoice choice, bool systemDark) => choice == ThemeChoice.Dark || (choice == ThemeChoice.System && systemDark);
}
