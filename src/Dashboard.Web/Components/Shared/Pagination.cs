using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// Page links with the look of MudBlazor's small text pagination (the same elements and classes: first and last two
/// pages, the current one with its neighbours, ellipses between), written into the caller's render tree: MudPagination
/// costs every open tab a dozen components (a button and an icon per page link), this a few frames per link.
/// </summary>
public static class Pagination
{
    private const string PageButton = "mud-button-root mud-button mud-button-text mud-button-text-default mud-button-text-size-small";
    private const string CurrentButton = "mud-button-root mud-button mud-button-filled mud-button-filled-primary mud-button-filled-size-small";
    private const string ArrowButton = "mud-button-root mud-icon-button mud-ripple mud-ripple-icon mud-icon-button-size-small";
    private const string Previous = "<span class=\"mud-icon-button-label\"><svg class=\"mud-icon-root mud-svg-icon mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\"><path d=\"M0 0h24v24H0z\" fill=\"none\"/><path d=\"M15.41 7.41L14 6l-6 6 6 6 1.41-1.41L10.83 12z\"/></svg></span>";
    private const string Next = "<span class=\"mud-icon-button-label\"><svg class=\"mud-icon-root mud-svg-icon mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\"><path d=\"M0 0h24v24H0z\" fill=\"none\"/><path d=\"M10 6L8.59 7.41 13.17 12l-4.58 4.59L10 18l6-6z\"/></svg></span>";
    private const string Ellipsis = "<li class=\"mud-pagination-item\"><p aria-hidden=\"true\" class=\"mud-typography mud-typography-body1\">…</p></li>";

    /// <summary>
    /// The page numbers shown (1-based) for <paramref name="count"/> pages with <paramref name="selected"/> (1-based)
    /// current; 0 stands for an ellipsis.
    /// </summary>
    public static IReadOnlyList<int> Shown(int count, int selected)
    {
        const int Boundary = 2, Middle = 3, Slots = (2 * Boundary) + Middle + 2;
        if (count <= Slots)
        {
            return [.. Enumerable.Range(1, count)];
        }

        if (selected <= Boundary + (Middle / 2) + 2)
        {
            return [.. Enumerable.Range(1, Boundary + Middle + 1), 0, .. Enumerable.Range(count - Boundary + 1, Boundary)];
        }

        if (selected >= count - Boundary - (Middle / 2) - 1)
        {
            return [.. Enumerable.Range(1, Boundary), 0, .. Enumerable.Range(count - Boundary - Middle, Boundary + Middle + 1)];
        }

        return [.. Enumerable.Range(1, Boundary), 0, .. Enumerable.Range(selected - (Middle / 2), Middle), 0, .. Enumerable.Range(count - Boundary + 1, Boundary)];
    }

    /// <summary>
    /// Writes the page links of <paramref name="count"/> pages, <paramref name="page"/> (0-based) current; a click
    /// calls <paramref name="onPage"/> with the 0-based page. Callers wrap it in a region (<c>OpenRegion</c>).
    /// </summary>
    public static void Write(RenderTreeBuilder builder, object receiver, int count, int page, string? testId, string? extraClass, Func<int, Task> onPage)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(onPage);
        var selected = Math.Clamp(page, 0, Math.Max(0, count - 1)) + 1;
        builder.OpenElement(0, "ul");
        builder.AddAttribute(1, "class", extraClass is null ? "mud-pagination mud-pagination-text mud-pagination-small" : "mud-pagination mud-pagination-text mud-pagination-small " + extraClass);
        builder.AddAttribute(2, "data-testid", testId);
        Arrow(builder, receiver, "Previous page", Previous, selected > 1, () => onPage(selected - 2));
        foreach (var number in Shown(count, selected))
        {
            if (number == 0)
            {
                builder.AddMarkupContent(3, Ellipsis);
                continue;
            }

            var current = number == selected;
            builder.OpenElement(4, "li");
            builder.AddAttribute(5, "class", current ? "mud-pagination-item mud-pagination-item-selected" : "mud-pagination-item");
            builder.OpenElement(6, "button");
            builder.AddAttribute(7, "type", "button");
            builder.AddAttribute(8, "class", current ? CurrentButton : PageButton);
            builder.AddAttribute(9, "aria-current", current ? "page" : null);
            builder.AddAttribute(10, "aria-label", current ? $"Current page {number}" : $"Page {number}");
            builder.AddAttribute(11, "onclick", EventCallback.Factory.Create(receiver, () => onPage(number - 1)));
            builder.OpenElement(12, "span");
            builder.AddAttribute(13, "class", "mud-button-label");
            builder.AddContent(14, number);
            builder.CloseElement();
            builder.CloseElement();
            builder.CloseElement();
        }

        Arrow(builder, receiver, "Next page", Next, selected < count, () => onPage(selected));
        builder.CloseElement();
    }

    private static void Arrow(RenderTreeBuilder builder, object receiver, string label, string icon, bool enabled, Func<Task> onClick)
    {
        builder.OpenElement(0, "li");
        builder.AddAttribute(1, "class", "mud-pagination-item");
        builder.OpenElement(2, "button");
        builder.AddAttribute(3, "type", "button");
        builder.AddAttribute(4, "class", ArrowButton);
        builder.AddAttribute(5, "aria-label", label);
        builder.AddAttribute(6, "disabled", !enabled);
        builder.AddAttribute(7, "onclick", EventCallback.Factory.Create(receiver, onClick));
        builder.AddMarkupContent(8, icon);
        builder.CloseElement();
        builder.CloseElement();
    }
}
