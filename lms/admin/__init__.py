"""The organisation and its staff in the Wagtail admin: viewsets, choosers,
filters, forms and the HR import screens (registered in ``lms.wagtail_hooks``)."""
