"""What every registry page shares: url names per model and saving through `rights.actions`."""

from django.contrib import messages
from django.urls import reverse

from ipcity.core.views import generic

from .. import actions


class RegistryMixin:
    """`url_prefix` names the model in url names (rights:gi_list) when its model name is long."""

    url_prefix = ""

    def url_name(self, action: str) -> str:
        prefix = self.url_prefix or self.model._meta.model_name
        return f"rights:{prefix}_{action}"


class RegistryListView(RegistryMixin, generic.ObjectListView):
    pass


class RegistryDetailView(RegistryMixin, generic.ObjectDetailView):
    pass


class RegistryHistoryView(RegistryMixin, generic.ObjectHistoryView):
    pass


class RegistryDeleteView(RegistryMixin, generic.ObjectDeleteView):
    pass


class RegistryEditView(RegistryMixin, generic.ObjectEditView):
    """Create or edit through rights.actions, so the page and the API share one set of rules."""

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def save(self, form):
        saved = actions.save_form(self.request.user, form)
        warning = getattr(saved, "number_warning", "")
        if warning:
            messages.warning(self.request, warning)
        return saved

    def success_url(self, obj) -> str:
        return reverse(self.url_name("detail"), args=[obj.pk])
