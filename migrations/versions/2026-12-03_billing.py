"""Billing: plans and prices, provider customers, subscriptions, invoices, payment method
references, refunds and the provider event inbox; RLS on every table.

Plans and prices are readable by everyone (`is_public` only decides what GET /v1/plans lists).
A user reads their own customers, subscriptions, invoices, payment methods and refunds; admins
read all. Nobody but the owner role writes (the Stripe webhook, admin grants and the demo
loader run as the owner), so no user can grant themselves a plan in SQL.

Revision ID: 20261203_billing
Revises: 20261203_listening
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_billing"
down_revision: str | None = "20261203_listening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"
IS_ADMIN = "((select auth.jwt() ->> 'app_role') = 'admin')"
PUBLIC_TABLES = ("billing_plans", "billing_prices")
OWN_TABLES = (
    "billing_customers",
    "billing_subscriptions",
    "billing_invoices",
    "billing_payment_methods",
    "billing_refunds",
)


def row_security() -> str:
    """Public plans and prices; every other row its user's, or an admin's to read."""
    public = "".join(
        f"""
alter table {table} enable row level security;
grant select on {table} to backbeat_anon, backbeat_user;
create policy {table}_read on {table} for select to backbeat_anon, backbeat_user using (true);
"""
        for table in PUBLIC_TABLES
    )
    own = "".join(
        f"""
alter table {table} enable row level security;
grant select on {table} to backbeat_user;
create policy {table}_own on {table} for select to backbeat_user
  using (user_id = {OWN} or {IS_ADMIN});
"""
        for table in OWN_TABLES
    )
    inbox = f"""
alter table billing_provider_events enable row level security;
grant select on billing_provider_events to backbeat_user;
create policy billing_provider_events_admin on billing_provider_events for select
  to backbeat_user using ({IS_ADMIN});
"""
    return public + own + inbox


def upgrade() -> None:
    op.create_table(
        "billing_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("trial_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "entitlements",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("trial_days >= 0", name=op.f("ck_billing_plans_trial_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_billing_plans_code")),
    )
    op.create_table(
        "billing_provider_events",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_provider_events")),
    )
    op.create_index(
        "ix_billing_provider_events_type",
        "billing_provider_events",
        ["type", "created"],
        unique=False,
    )
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_billing_customers_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "provider", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint("provider", "external_id", name="uq_billing_customers_external"),
    )
    op.create_table(
        "billing_payment_methods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("brand", sa.Text(), nullable=True),
        sa.Column("last4", sa.Text(), nullable=True),
        sa.Column("exp_month", sa.Integer(), nullable=True),
        sa.Column("exp_year", sa.Integer(), nullable=True),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "source_created",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source_event_id", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_billing_payment_methods_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_payment_methods")),
        sa.UniqueConstraint("provider", "external_id", name="uq_billing_payment_methods_external"),
    )
    op.create_index(
        "ix_billing_payment_methods_user", "billing_payment_methods", ["user_id"], unique=False
    )
    op.create_table(
        "billing_prices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("interval", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("lookup_key", sa.Text(), nullable=False),
        sa.Column("stripe_price_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "interval in ('month', 'year')", name=op.f("ck_billing_prices_interval")
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_billing_prices_amount_minor")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["billing_plans.id"],
            name=op.f("fk_billing_prices_plan_id_billing_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_prices")),
        sa.UniqueConstraint("lookup_key", name=op.f("uq_billing_prices_lookup_key")),
        sa.UniqueConstraint("plan_id", "interval", "asset", name="uq_billing_prices_plan_interval"),
        sa.UniqueConstraint("stripe_price_id", name=op.f("uq_billing_prices_stripe_price_id")),
    )
    op.create_table(
        "billing_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("interval", sa.Text(), nullable=True),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("trial_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "source_created",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source_event_id", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "interval is null or interval in ('month', 'year')",
            name=op.f("ck_billing_subscriptions_interval"),
        ),
        sa.CheckConstraint(
            "provider in ('stripe', 'manual')", name=op.f("ck_billing_subscriptions_provider")
        ),
        sa.CheckConstraint(
            "status in ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')",
            name=op.f("ck_billing_subscriptions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["identity_users.id"],
            name=op.f("fk_billing_subscriptions_granted_by_identity_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["billing_plans.id"],
            name=op.f("fk_billing_subscriptions_plan_id_billing_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_billing_subscriptions_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_subscriptions")),
        sa.UniqueConstraint("provider", "external_id", name="uq_billing_subscriptions_external"),
    )
    op.create_index(
        "ix_billing_subscriptions_user",
        "billing_subscriptions",
        ["user_id", sa.literal_column("created_at desc")],
        unique=False,
    )
    op.create_table(
        "billing_invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("amount_due_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("amount_refunded_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("proration_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hosted_invoice_url", sa.Text(), nullable=True),
        sa.Column("charge_id", sa.Text(), nullable=True),
        sa.Column(
            "source_created",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source_event_id", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status in ('draft', 'open', 'paid', 'uncollectible', 'void')",
            name=op.f("ck_billing_invoices_status"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["billing_subscriptions.id"],
            name=op.f("fk_billing_invoices_subscription_id_billing_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_billing_invoices_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_invoices")),
        sa.UniqueConstraint("provider", "external_id", name="uq_billing_invoices_external"),
    )
    op.create_index(
        "ix_billing_invoices_user",
        "billing_invoices",
        ["user_id", sa.literal_column("created_at desc")],
        unique=False,
    )
    op.create_table(
        "billing_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("charge_id", sa.Text(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "source_created",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source_event_id", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_billing_refunds_amount_minor")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["billing_invoices.id"],
            name=op.f("fk_billing_refunds_invoice_id_billing_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["identity_users.id"],
            name=op.f("fk_billing_refunds_user_id_identity_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_refunds")),
        sa.UniqueConstraint("provider", "external_id", name="uq_billing_refunds_external"),
    )
    op.create_index("ix_billing_refunds_user", "billing_refunds", ["user_id"], unique=False)
    op.execute(row_security())


def downgrade() -> None:
    op.drop_index("ix_billing_refunds_user", table_name="billing_refunds")
    op.drop_table("billing_refunds")
    op.drop_index("ix_billing_invoices_user", table_name="billing_invoices")
    op.drop_table("billing_invoices")
    op.drop_index("ix_billing_subscriptions_user", table_name="billing_subscriptions")
    op.drop_table("billing_subscriptions")
    op.drop_table("billing_prices")
    op.drop_index("ix_billing_payment_methods_user", table_name="billing_payment_methods")
    op.drop_table("billing_payment_methods")
    op.drop_table("billing_customers")
    op.drop_index("ix_billing_provider_events_type", table_name="billing_provider_events")
    op.drop_table("billing_provider_events")
    op.drop_table("billing_plans")
