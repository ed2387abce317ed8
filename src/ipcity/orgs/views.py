"""Organization and region pages, declared on the generic views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from . import actions
from .exports import ORGANIZATION_EXPORT, REGION_EXPORT
from .filters import OrganizationFilterSet, RegionFilterSet
from .forms import ContactForm, OrganizationForm, RegionForm
from .models import Contact, Organization, Region
from .tables import OrganizationTable, RegionTable

ORG_QUERYSET = Organization.objects.select_related("region", "parent")


class OrganizationListView(generic.ObjectListView):
    queryset = ORG_QUERYSET
    filterset_class = OrganizationFilterSet
    table_class = OrganizationTable
    export_spec = ORGANIZATION_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["orgs.organization"])


class OrganizationDetailView(generic.ObjectDetailView):
    queryset = ORG_QUERYSET
    template_name = "orgs/organization_detail.html"

    def extra_context(self, org):
        user = self.request.user
        contacts = Contact.objects.restrict(user, "view").filter(organization=org)
        children = (
            Organization.objects.restrict(user, "view")
            .filter(parent=org)
            .select_related("region")
            .order_by("name")
        )
        return {
            "contacts": contacts,
            "children": children[:100],
            "children_count": children.count(),
            "users_count": org.users.count(),
            "can_add_contact": has_perm(user, Contact, "add"),
            "can_change_contact": has_perm(user, Contact, "change"),
            "can_delete_contact": has_perm(user, Contact, "delete"),
            "contact_form": ContactForm(prefix="contact"),
        }


class OrganizationHistoryView(generic.ObjectHistoryView):
    queryset = ORG_QUERYSET


class OrganizationEditView(generic.ObjectEditView):
    """Create or edit through orgs.actions, so the page and the API share one set of rules."""

    queryset = ORG_QUERYSET
    form_class = OrganizationForm
    template_name = "orgs/organization_form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def save(self, form):
        data = form.cleaned_data
        if form.instance.pk:
            org = Organization.objects.get(pk=form.instance.pk)
            saved = actions.update_organization(self.request.user, org, data)
        else:
            saved = actions.create_organization(self.request.user, data)
        if saved.uscc_warning:
            messages.warning(
                self.request,
                _("The USCC %(code)s was saved, but: %(warning)s")
                % {"code": saved.uscc, "warning": saved.uscc_warning},
            )
        return saved


class OrganizationDeleteView(generic.ObjectDeleteView):
    queryset = ORG_QUERYSET


def _contact_org(request, pk):
    return get_object_or_404(Organization.objects.restrict(request.user, "view"), pk=pk)


@login_required
@require_POST
def contact_add(request, pk):
    org = _contact_org(request, pk)
    if not has_perm(request.user, Contact, "add"):
        raise PermissionDenied
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        actions.create_contact(request.user, org, form)
        messages.success(request, _("Contact added."))
        return redirect(org)
    view = OrganizationDetailView()
    view.setup(request, pk=pk)
    context = view.detail_context(org)
    context["contact_form"] = form
    context["contact_form_open"] = True
    messages.error(request, _("The contact was not added; please correct the errors."))
    return render(request, view.template_name, context, status=400)


def _contact(request, pk, action):
    contact = get_object_or_404(
        Contact.objects.restrict(request.user, "view").select_related("organization"), pk=pk
    )
    if not Contact.objects.restrict(request.user, action).filter(pk=contact.pk).exists():
        raise PermissionDenied
    return contact


@login_required
def contact_edit(request, pk):
    contact = _contact(request, pk, "change")
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST":
        if form.is_valid():
            actions.update_contact(request.user, contact, form)
            messages.success(request, _("Contact saved."))
            return redirect(contact.organization)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "core/object_form.html",
        {
            "form": form,
            "object": contact,
            "is_new": False,
            "verbose_name": Contact._meta.verbose_name,
            "verbose_name_plural": contact.organization,
            "list_url": contact.organization.get_absolute_url(),
            "cancel_url": contact.organization.get_absolute_url(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def contact_delete(request, pk):
    contact = _contact(request, pk, "delete")
    org = contact.organization
    actions.delete_contact(request.user, contact)
    messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact.name})
    return redirect(org)


REGION_QUERYSET = Region.objects.select_related("parent")


class RegionListView(generic.ObjectListView):
    queryset = REGION_QUERYSET
    filterset_class = RegionFilterSet
    table_class = RegionTable
    export_spec = REGION_EXPORT


class RegionDetailView(generic.ObjectDetailView):
    queryset = REGION_QUERYSET
    template_name = "orgs/region_detail.html"

    def extra_context(self, region):
        user = self.request.user
        return {
            "children": region.children.order_by("code"),
            "organizations_count": Organization.objects.restrict(user, "view")
            .filter(region=region)
            .count(),
        }


class RegionHistoryView(generic.ObjectHistoryView):
    queryset = REGION_QUERYSET


class RegionEditView(generic.ObjectEditView):
    queryset = REGION_QUERYSET
    form_class = RegionForm
