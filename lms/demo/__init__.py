"""Demo data: the real administrative tree of China, generated staff, one
account per role. ``python manage.py seed_demo`` runs :func:`lms.demo.seed.demo_seed`;
see docs/demo-data.md."""
