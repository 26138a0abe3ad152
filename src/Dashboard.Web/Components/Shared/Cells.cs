using Dashboard.Core.Changes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// What a table cell shows, as markup written into the table's own render tree rather than one component per cell.
/// A component costs every open tab its state and two render buffers on the server, and a MudBlazor component much
/// more; a table of 50 rows had several hundred of them per viewer. These render the same markup and classes.
/// </summary>
public static class Cells
{
    /// <summary>
    /// An age such as "4m 12s", with the absolute time on hover (as <see cref="AgeText"/>), carrying its own
    /// <c>data-now</c>: it moves in the browser (<c>live.js</c>, see <see cref="RowMarkup.Age"/>), so the page is not
    /// drawn again every second for it.
    /// </summary>
    public static RenderFragment Age(DateTimeOffset? since, DateTimeOffset now) => builder =>
        builder.AddMarkupContent(0, RowMarkup.Age(since, now, ownClock: true));

    /// <summary>
    /// A count: estimates are marked, and a count that differs from
    /// <paramref name="previous"/> (the same figure in the snapshot before) is highlighted (<see cref="RowMarkup.Count"/>).
    /// </summary>
    public static RenderFragment Count(StateCount count, StateCount? previous = null) => builder =>
        builder.AddMarkupContent(0, RowMarkup.Count(count, previous));

    /// <summary>A small chip with MudBlazor's look, without the component (<see cref="RowMarkup.Chip"/>).</summary>
    public static RenderFragment Chip(string text, Color color, string? title = null, bool outlined = false, string? testId = null) => builder =>
        builder.AddMarkupContent(0, RowMarkup.Chip(text, color, title, outlined, testId));

    /// <summary>
    /// A small text button with MudBlazor's look (the classes <c>MudButton</c> renders for a small text button), written
    /// into the table's render tree: a row's button costs its table a few frames, not a component per row and viewer.
    /// Callers wrap it in a region (<c>OpenRegion</c>) of their own sequence number.
    /// </summary>
    public static void Button(RenderTreeBuilder builder, object receiver, string label, string testId, bool enabled, Func<Task> onClick, bool danger = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.OpenElement(0, "button");
        builder.AddAttribute(1, "type", "button");
        builder.AddAttribute(2, "class", danger ? DangerButton : TextButton);
        builder.AddAttribute(3, "disabled", !enabled);
        builder.AddAttribute(4, "data-testid", testId);
        builder.AddAttribute(5, "onclick", EventCallback.Factory.Create(receiver, onClick));
        builder.OpenElement(6, "span");
        builder.AddAttribute(7, "class", "mud-button-label");
        builder.AddContent(8, label);
        builder.CloseElement();
        builder.CloseElement();
    }

    /// <summary>
    /// A row's actions cell (<c>td.actions</c>) with up to two buttons (<see cref="Button"/>), each in a region of its
    /// own; an action that is null is left out. Callers wrap it in a region of their own sequence number.
    /// </summary>
    public static void Actions(RenderTreeBuilder builder, object receiver, bool enabled, RowAction? first, RowAction? second)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.OpenElement(0, "td");
        builder.AddAttribute(1, "class", "actions");
        if (first is { } one)
        {
            builder.OpenRegion(2);
            Button(builder, receiver, one.Label, one.TestId, enabled, one.OnClick, one.Danger);
            builder.CloseRegion();
        }

        if (second is { } two)
        {
            builder.OpenRegion(3);
            Button(builder, receiver, two.Label, two.TestId, enabled, two.OnClick, two.Danger);
            builder.CloseRegion();
        }

        builder.CloseElement();
    }

    /// <summary>
    /// A switch with MudBlazor's look (the markup <c>MudSwitch</c> renders, checked in <paramref name="color"/>), as
    /// frames of the page: MudSwitch is two components with their parameter state, kept by every open tab and drawn at
    /// every change of the page it sits on. A component test compares the two.
    /// </summary>
    public static RenderFragment Switch(object receiver, string label, bool value, Action<bool> onChange, Color color, string? testId = null) => builder =>
    {
        var tone = value ? color.ToString().ToLowerInvariant() : "default";
        builder.OpenElement(0, "div");
        builder.AddAttribute(1, "class", "mud-input-control mud-input-control-boolean-input");
        builder.OpenElement(2, "div");
        builder.AddAttribute(3, "class", "mud-input-control-input-container");
        builder.OpenElement(4, "label");
        builder.AddAttribute(5, "class", "mud-switch mud-input-content-placement-end");
        builder.OpenElement(6, "span");
        builder.AddAttribute(7, "class", "mud-switch-span mud-switch-span-medium");
        builder.OpenElement(8, "span");

        // Interned: a handful of class names, which every tab would otherwise keep a copy of.
        builder.AddAttribute(9, "class", string.Intern($"mud-button-root mud-icon-button mud-switch-base mud-ripple mud-ripple-switch mud-{tone}-text hover:mud-{tone}-hover{(value ? " mud-checked" : "")} mud-switch-base-medium"));
        builder.OpenElement(10, "span");
        builder.AddAttribute(11, "class", "mud-switch-button");
        builder.OpenElement(12, "input");
        builder.AddAttribute(13, "tabindex", "0");
        builder.AddAttribute(14, "data-testid", testId);
        builder.AddAttribute(15, "aria-readonly", "false");
        builder.AddAttribute(16, "role", "switch");
        builder.AddAttribute(17, "aria-checked", value ? "true" : "false");
        builder.AddAttribute(18, "type", "checkbox");
        builder.AddAttribute(19, "class", "mud-switch-input");
        builder.AddAttribute(20, "checked", value);
        builder.AddAttribute(21, "onchange", EventCallback.Factory.Create<ChangeEventArgs>(receiver, e => onChange(e.Value is true or "true" or "on")));
        builder.CloseElement();
        builder.AddMarkupContent(22, "<span class=\"mud-switch-thumb-medium d-flex align-center justify-center\"></span>");
        builder.CloseElement();
        builder.CloseElement();
        builder.OpenElement(23, "span");
        builder.AddAttribute(24, "class", string.Intern($"mud-switch-track mud-{tone}"));
        builder.CloseElement();
        builder.CloseElement();
        builder.OpenElement(25, "span");
        builder.AddAttribute(26, "class", "mud-typography mud-typography-body1");
        builder.AddContent(27, label);
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
    };

    private const string TextButton = "mud-button-root mud-button mud-button-text mud-button-text-default mud-button-text-size-small mud-ripple";

    private const string DangerButton = "mud-button-root mud-button mud-button-text mud-button-text-error mud-button-text-size-small mud-ripple";
}

/// <summary>A button in a row's actions cell (<see cref="Cells.Actions"/>).</summary>
public readonly record struct RowAction(string Label, string TestId, Func<Task> OnClick, bool Danger = false);
