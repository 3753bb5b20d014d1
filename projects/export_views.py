# Being written: the exports.
from django.http import Http404


def export_csv(request):
    raise Http404


export_xlsx = export_json = export_csv
