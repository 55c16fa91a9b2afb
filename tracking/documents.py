"""The invoice as a document: one HTML template, shown as a print view or rendered to PDF."""

from django.template.loader import render_to_string

from tracking.models import BusinessProfile, Invoice

TEMPLATE = "tracking/invoice_document.html"


def invoice_context(invoice: Invoice) -> dict:
    return {
        "invoice": invoice,
        "items": invoice.items.all(),
        "totals": invoice.totals,
        "issuer": invoice.issuer,
        "recipient": invoice.recipient,
        "logo": BusinessProfile.load().logo_data_uri(),
    }


def invoice_html(invoice: Invoice, request=None) -> str:
    return render_to_string(TEMPLATE, invoice_context(invoice), request=request)


def invoice_pdf(invoice: Invoice) -> bytes:
    # Imported here: WeasyPrint takes a second to import, which every process start (and
    # every management command) would otherwise pay for a page few requests open.
    from tracking.pdf import render_pdf

    return render_pdf(invoice_html(invoice))


def pdf_filename(invoice: Invoice) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in invoice.number)
    return f"invoice-{safe}.pdf"
