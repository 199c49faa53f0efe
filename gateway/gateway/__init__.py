"""The platform's HTTP API: verifies Keycloak tokens and calls the services over RPC."""
