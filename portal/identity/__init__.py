"""Who signs in and how: the landing page of each role, the second factor (django-allauth's MFA),
staff sessions, and the State's identity federations (FranceConnect, ProConnect)."""
