from oauth2_provider.oauth2_validators import OAuth2Validator


class EmployeeClaimValidator(OAuth2Validator):
    """The directory's answer names the employee number, as the company's
    would (the provider's username here)."""

    oidc_claim_scope = None  # every claim, whatever the scope

    def get_additional_claims(self, request):
        return {"employee_no": request.user.username}
