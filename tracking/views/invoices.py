from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tracking.forms import BillEntriesForm, InvoiceForm, InvoiceItemFormSet
from tracking.models import Invoice
from tracking.views.editing import confirm_delete, staff_required


@staff_required
def invoice_list(request):
    invoices = Invoice.objects.select_related("client", "project").with_totals()
    return render(request, "tracking/invoice_list.html", {"invoices": invoices})


@staff_required
def invoice_detail(request, pk):
    invoice = get_object_or_404(
        Invoice.objects.select_related("client", "project").with_totals(), pk=pk
    )
    context = {"invoice": invoice, "items": invoice.items.all(), "bill_form": BillEntriesForm()}
    return render(request, "tracking/invoice_detail.html", context)


def _edit_invoice(request, invoice, title):
    form = InvoiceForm(request.POST or None, instance=invoice)
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
        else:
            messages.success(request, f"Invoice {invoice} saved.")
            return redirect(invoice.get_absolute_url())
    return render(
        request, "tracking/invoice_form.html", {"form": form, "items": items, "title": title}
    )


@staff_required
def invoice_create(request):
    return _edit_invoice(request, Invoice(), "New invoice")


@staff_required
def invoice_edit(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    return _edit_invoice(request, invoice, f"Edit invoice {invoice}")


@staff_required
def invoice_delete(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    return confirm_delete(
        request,
        invoice,
        cancel_url=invoice.get_absolute_url(),
        success_url="tracking:invoice_list",
        protected_message=f"Invoice {invoice} cannot be deleted.",
    )


@staff_required
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


@staff_required
@require_POST
def invoice_bill_entries(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    form = BillEntriesForm(request.POST)
    if invoice.status != Invoice.Status.DRAFT:
        messages.error(request, "Only a draft invoice can receive new items.")
    elif form.is_valid():
        billed = invoice.add_items_from_entries(
            form.cleaned_data["start_date"], form.cleaned_data["end_date"]
        )
        messages.success(request, f"Billed {billed} time entries.")
    else:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, " ".join(errors) or "Give a valid date range.")
    return redirect(invoice.get_absolute_url())
