"""Where the platform takes applications: the registration area of the authority it stands for.
Shared so that the registration service's rules (a domicile elsewhere is refused) and the portal's
district list (only what is served is offered) cannot drift apart."""

from __future__ import annotations

# Baodi district, Tianjin (GB/T 2260): the Baodi market-regulation bureau's registration area.
REGISTRATION_AREA = "120115"
# The districts offered to applicants: today the one area.
SERVED_DIVISIONS = frozenset({REGISTRATION_AREA})
