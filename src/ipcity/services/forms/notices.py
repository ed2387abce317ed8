"""Forms of notices: the notice itself (publisher limited to the organizations the user may
publish for) and the publication date."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import notices
from ..models import Notice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoticeForm(forms.ModelForm):
    link = forms.URLField(
        label=Notice._meta.get_field("link").verbose_name,
        required=False,
        assume_scheme="https",
        max_length=Notice._meta.get_field("link").max_length,
    )

    class Meta:
        model = Notice
        fields = list(notices.EDITABLE_FIELDS)
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "body": _("Plain text. Separate paragraphs with a blank line."),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        publishers = notices.publishers_for(user, action)
        field = self.fields["publisher"]
        field.queryset = publishers
        if not self.instance.pk and not self.is_bound:
            own = getattr(user, "organization_id", None)
            if own and publishers.filter(pk=own).exists():
                self.initial.setdefault("publisher", own)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in notices.EDITABLE_FIELDS}


class PublishForm(forms.Form):
    published_on = forms.DateField(
        label=_("Publish on"),
        widget=DATE,
        help_text=_("A later day schedules the notice: it appears on the public pages that day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["published_on"].initial = timezone.localdate()
