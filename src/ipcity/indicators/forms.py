from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.orgs.models import Region

from .models import Population


class PopulationForm(forms.ModelForm):
    class Meta:
        model = Population
        fields = ["region", "year", "resident_population", "kind", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("code")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1949 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("Enter a year up to this one."))
        return year

    def clean_resident_population(self):
        value = self.cleaned_data["resident_population"]
        if value <= 0:
            raise forms.ValidationError(_("The population must be a positive number."))
        return value

    def clean(self):
        data = super().clean()
        region, year = data.get("region"), data.get("year")
        if region and year:
            clash = Population.objects.filter(region=region, year=year).exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(
                    _("%(region)s already has a figure for %(year)d: edit that one.")
                    % {"region": region, "year": year}
                )
        return data
