"""The plain site's pages, one per page of Haven's mixed load."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from plain_site.models import Case, CheckIn, Request


class FilterForm(forms.Form):
    q = forms.CharField(required=False)
    state = forms.ChoiceField(choices=[("", "Any"), ("intake", "Intake")], required=False)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea)


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=[("intake", "Intake"), ("vetting", "Vetting")])


class RequestForm(forms.ModelForm):
    class Meta:
        model = Request
        fields = ["text", "felt_urgency", "contact"]


@login_required
def case_list(request):  # type: ignore[no-untyped-def]
    page = Paginator(Case.objects.order_by("-updated_at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "list.html", {"page": page, "form": FilterForm(request.GET or None)})


@login_required
def case_detail(request, pk):  # type: ignore[no-untyped-def]
    case = get_object_or_404(Case, pk=pk)
    return render(
        request,
        "detail.html",
        {
            "case": case,
            "notes": case.notes.order_by("-at")[:50],
            "note_form": NoteForm(),
            "state_form": StateForm(initial={"state": case.state}),
        },
    )


@login_required
def dashboard(request):  # type: ignore[no-untyped-def]
    counts = {
        "open": Case.objects.exclude(state="closed").count(),
        "intake": Case.objects.filter(state="intake").count(),
        "requests": Request.objects.count(),
    }
    return render(request, "dashboard.html", {"counts": counts})


@login_required
def roster(request):  # type: ignore[no-untyped-def]
    return render(request, "roster.html", {"rows": Case.objects.order_by("reference")[:20]})


def landing(request):  # type: ignore[no-untyped-def]
    return render(request, "landing.html")


def help_request(request):  # type: ignore[no-untyped-def]
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return render(request, "landing.html", {"done": True})
    return render(request, "help.html", {"form": form})


@csrf_exempt  # as Haven's portal check-in, which a codename session guards
def checkin(request):  # type: ignore[no-untyped-def]
    if request.method == "POST":
        CheckIn.objects.create(pin_ok=request.POST.get("pin") == "2468")
        return redirect("/")
    return render(request, "landing.html")


urlpatterns = [
    path("login/", LoginView.as_view(template_name="login.html")),
    path("staff/cases/", case_list),
    path("staff/cases/<int:pk>/", case_detail),
    path("staff/", dashboard),
    path("staff/roster/", roster),
    path("", landing),
    path("help/", help_request),
    path("checkin/", checkin),
]
