from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("")


housekeeping = housekeeping_partial = set_status = _todo
