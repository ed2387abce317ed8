import django_filters
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Region

from .models import Population


class PopulationFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("Region"))
    year = django_filters.NumberFilter(label=_("Year"), min_value=1949)

    class Meta:
        model = Population
        fields = ["region", "year"]
