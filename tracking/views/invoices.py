from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from tracking.documents import invoice_context, invoice_pdf, pdf_filename
from tracking.forms import BillEntriesForm, InvoiceForm, InvoiceItemFormSet
from tracking.models import BusinessProfile, Invoice, suggest_invoice_number
from tracking.signals import invoice_downloaded
from tracking.views.editing import confirm_delete, permission_required
from tracking.views.entries import overlaps_url


@permission_required("view", Invoice)
def invoice_list(request):
    invoices = Invoice.objects.select_related("client", "project").with_totals()
    return render(request, "tracking/invoice_list.html", {"invoices": invoices})


@permission_required("view", Invoice)
def invoice_detail(request, pk):
    invoice = get_object_or_404(
        Invoice.objects.select_related("client", "project").with_totals(), pk=pk
    )
    items = list(invoice.items.with_entry_seconds())
    context = {
        "invoice": invoice,
        "items": items,
        "totals": invoice.totals,
        "drifted": sum(item.drifted for item in items),
        "bill_form": _bill_form(invoice),
    }
    return render(request, "tracking/invoice_detail.html", context)


def _bill_form(invoice) -> BillEntriesForm:
    start, end = invoice.suggested_billing_range(timezone.localdate())
    return BillEntriesForm(initial={"start_date": start, "end_date": end})


def _edit_invoice(request, invoice, title):
    initial = {}
    if invoice.pk is None:
        initial = BusinessProfile.load().invoice_defaults(timezone.localdate())
    form = InvoiceForm(
        request.POST or None,
        instance=invoice,
        initial=initial,
        suggested_number=suggest_invoice_number(timezone.localdate()) if not invoice.pk else "",
    )
    items = InvoiceItemFormSet(request.POST or None, instance=invoice)
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            with transaction.atomic():
                invoice = form.save()
                items.instance = invoice
                items.save()
        except IntegrityError:
            # Two people saving the same number at once: the form's uniqueness check passed
            # for both, the database's unique index decides.
            form.add_error("number", "An invoice with this number already exists.")
        except ValidationError as exc:  # sent meanwhile: the model refuses
            form.add_error(None, exc)
        else:
            messages.success(request, f"Invoice {invoice} saved.")
            return redirect(invoice.get_absolute_url())
    return render(
        request, "tracking/invoice_form.html", {"form": form, "items": items, "title": title}
    )


def _refuse_if_locked(request, invoice):
    """A final invoice's page instead of its edit or delete form, saying why."""
    if invoice.is_locked:
        messages.error(
            request,
            f"Invoice {invoice} is {invoice.get_status_display().lower()}: it can no longer "
            "be changed or deleted.",
        )
        return redirect(invoice.get_absolute_url())
    return None


@permission_required("add", Invoice)
def invoice_create(request):
    return _edit_invoice(request, Invoice(), "New invoice")


@permission_required("change", Invoice)
def invoice_edit(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    refusal = _refuse_if_locked(request, invoice)
    return refusal or _edit_invoice(request, invoice, f"Edit invoice {invoice}")


@permission_required("delete", Invoice)
def invoice_delete(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    refusal = _refuse_if_locked(request, invoice)
    return refusal or confirm_delete(
        request,
        invoice,
        cancel_url=invoice.get_absolute_url(),
        success_url="tracking:invoice_list",
        protected_message=f"Invoice {invoice} cannot be deleted.",
    )


@permission_required("change", Invoice)
@require_POST
def invoice_advance(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice.advance_status(request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invoice {invoice} is now {invoice.get_status_display()}.")
    return redirect(invoice.get_absolute_url())


@permission_required("change", Invoice)
@require_POST
def invoice_bill_entries(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    form = BillEntriesForm(request.POST)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors) or "Give a valid date range.")
        return redirect(invoice.get_absolute_url())
    start, end = form.cleaned_data["start_date"], form.cleaned_data["end_date"]
    try:
        result = invoice.add_items_from_entries(start, end)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(invoice.get_absolute_url())
    if result.billed:
        count = result.billed
        messages.success(request, f"Billed {count} time entr{'y' if count == 1 else 'ies'}.")
    else:
        messages.info(
            request, f"Nothing left to bill between {start:%Y-%m-%d} and {end:%Y-%m-%d}."
        )
    if result.overlapping:
        if invoice.project_id:
            scope = {"project": invoice.project_id}
        else:
            scope = {"client": invoice.client_id}
        messages.warning(
            request,
            format_html(
                "{} entries overlap another entry of the same person and were not billed: "
                '<a href="{}">see them</a>, correct their times, then bill again.',
                result.overlapping,
                overlaps_url(start, end, **scope),
            ),
        )
    return redirect(invoice.get_absolute_url())


@permission_required("change", Invoice)
@require_POST
def invoice_refresh(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        changed = invoice.refresh_from_entries()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Updated {changed} lines from their time entries.")
    return redirect(invoice.get_absolute_url())


@permission_required("view", Invoice)
def invoice_print(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("client"), pk=pk)
    return render(request, "tracking/invoice_document.html", invoice_context(invoice))


@permission_required("view", Invoice)
def invoice_download(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("client"), pk=pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(invoice))
    invoice_downloaded.send(sender=Invoice, user=request.user, invoice=invoice)
    return response
