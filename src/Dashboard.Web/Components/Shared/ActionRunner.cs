using Dashboard.Core.Actions;
using Dashboard.Core.Database;
using Dashboard.Web.Auth;
using MudBlazor;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// Runs an operator action the way every button does: confirmation dialog (preview, SQL, reason), then the one
/// Core entry point with the signed-in actor as it is now, then a toast that says what happened.
/// </summary>
public sealed class ActionRunner(IDialogService dialogs, ISnackbar snackbar, IOperatorActions actions, ICurrentActor currentActor)
{
    public async Task<ActionResult?> RunAsync(OperatorAction action, string title, string confirmText)
    {
        var parameters = new DialogParameters<ConfirmActionDialog>
        {
            { d => d.Action, action },
            { d => d.ConfirmText, confirmText },
        };
        var dialog = await dialogs.ShowAsync<ConfirmActionDialog>(title, parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        var choice = await dialog.Result;
        if (choice is null || choice.Canceled || choice.Data is not ConfirmedAction confirmed)
        {
            return null;
        }

        // Checked now, not when the page opened: an expired or revoked sign-in cannot act.
        var actor = await currentActor.GetAsync();
        if (actor is null)
        {
            snackbar.Add("Your sign-in has expired or was revoked: sign in again.", Severity.Error);
            return null;
        }

        try
        {
            var result = await actions.ExecuteAsync(confirmed.Action, actor, confirmed.Reason, confirmed.IdempotencyKey, CancellationToken.None);
            snackbar.Add(Describe(result), SeverityOf(result.Outcome));
            return result;
        }
        catch (ArgumentException ex)
        {
            snackbar.Add(ex.Message, Severity.Error);
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            snackbar.Add($"Nothing was changed: the database did not answer ({DatabaseErrors.Describe(ex)}).", Severity.Error);
        }

        return null;
    }

    public static string Describe(ActionResult result) => result.Outcome switch
    {
        ActionOutcome.Applied => $"Done: {result.Message}",
        ActionOutcome.NoChange => $"No change: {result.Message}",
        ActionOutcome.Refused => $"Refused, the state moved on: {result.Message}",
        ActionOutcome.Denied => $"Not allowed: {result.Message}",
        _ => result.Message,
    };

    private static Severity SeverityOf(ActionOutcome outcome) => outcome switch
    {
        ActionOutcome.Applied => Severity.Success,
        ActionOutcome.NoChange => Severity.Info,
        ActionOutcome.Refused => Severity.Warning,
        _ => Severity.Error,
    };
}
