from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext, gettext_lazy


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        help_text=gettext_lazy(
            "We send a link to this address; it is used once you open the link."
        ),
    )


class SettingsForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy("Empty: your browser's time zone."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", gettext("Site default")), *settings.LANGUAGES]
        zones = sorted(available_timezones())
        self.fields["time_zone"].choices = [("", gettext("Browser's")), *((z, z) for z in zones)]
