"""The invoice as PDF: the printable HTML page rendered by WeasyPrint (it needs Pango from the system,
present on Debian and in the Docker image). Imported only when a PDF is asked for."""

from django.template.loader import render_to_string


def render_invoice_pdf(context: dict, *, base_url: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string("billing/invoice_document.html", {**context, "for_pdf": True})
    return HTML(string=html, base_url=base_url).write_pdf()
