def timer(request):
    """The timer bar's state for every page (evaluated only if the page shows it)."""
    return {"timer": getattr(request, "timer", None)}
