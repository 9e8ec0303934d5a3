"""The screens of the vardia app: queue, incident, intake, customer, help and dialogs."""
