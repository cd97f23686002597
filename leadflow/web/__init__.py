"""The workbench: server-rendered pages under /app/ over the API's own routes and services."""
