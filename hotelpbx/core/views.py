from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render

from .roles import Role, roles_of


class StaffLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request):
    """Each role lands where its work is: housekeeping on the tablet page, the desk on the board."""
    roles = roles_of(request.user)
    if roles & {Role.FRONT_DESK, Role.MANAGER}:
        return redirect("rooms:board")
    if Role.HOUSEKEEPING in roles:
        return redirect("rooms:housekeeping")
    # signed in but given no role yet: say so, with a way out (logout is a POST)
    return render(request, "registration/no_role.html", status=403)
