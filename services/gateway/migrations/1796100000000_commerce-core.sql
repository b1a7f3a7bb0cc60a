-- Up Migration
-- The commerce domain's core tables: the catalogue (products and their variants), customers and
-- sellers. Orders, search, seller schedules and assignments add their own tables on top. Money is
-- integer minor units with an ISO 4217 currency, never a float; stock never goes below zero (the
-- database refuses it, whatever the code does).
CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  category text NOT NULL DEFAULT '' CHECK (length(category) <= 80),
  material text NOT NULL DEFAULT '' CHECK (length(material) <= 80),
  price_minor bigint NOT NULL CHECK (price_minor >= 0),
  cost_minor bigint CHECK (cost_minor >= 0),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  stock integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
  stock_min integer NOT NULL DEFAULT 0 CHECK (stock_min >= 0),
  stock_max integer CHECK (stock_max >= stock_min),
  image_urls text[] NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 10),
  keywords text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords) <= 30),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sku),
  -- Lets variants (and order lines) reference a product together with its tenant.
  UNIQUE (tenant_id, id)
);

CREATE TABLE product_variants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  product_id uuid NOT NULL,
  sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
  size text NOT NULL DEFAULT '' CHECK (length(size) <= 40),
  colour text NOT NULL DEFAULT '' CHECK (length(colour) <= 40),
  -- NULL: the product's price.
  price_minor bigint CHECK (price_minor >= 0),
  stock integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
  stock_min integer NOT NULL DEFAULT 0 CHECK (stock_min >= 0),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sku),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX product_variants_product_idx ON product_variants (product_id);

CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- The WhatsApp address (E.164 digits or a JID); NULL for a customer created in the dashboard without one.
  whatsapp_id text CHECK (length(whatsapp_id) BETWEEN 3 AND 128),
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  phone text CHECK (phone ~ '^\+?[0-9]{7,15}$'),
  national_id text CHECK (length(national_id) <= 40),
  -- [{ "label", "line1", "line2", "city", "state", "postalCode", "country", "notes" }]
  addresses jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(addresses) = 'array'),
  price_tier text NOT NULL DEFAULT 'retail' CHECK (price_tier ~ '^[a-z][a-z0-9_]{0,31}$'),
  tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 30),
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
  first_contact_at timestamptz,
  last_contact_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX customers_whatsapp_idx ON customers (tenant_id, whatsapp_id) WHERE whatsapp_id IS NOT NULL;

CREATE TABLE sellers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- The dashboard user who is this seller, if any (an agent).
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  -- E.164 digits, for the wa.me link and the bot's alerts.
  phone text NOT NULL CHECK (phone ~ '^[0-9]{7,15}$'),
  active boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline', 'busy')),
  specialty text NOT NULL DEFAULT '' CHECK (length(specialty) <= 60),
  max_concurrent_customers integer NOT NULL DEFAULT 5 CHECK (max_concurrent_customers BETWEEN 1 AND 1000),
  supervisor boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX sellers_user_idx ON sellers (tenant_id, user_id) WHERE user_id IS NOT NULL;

-- Down Migration
DROP TABLE sellers;
DROP TABLE customers;
DROP TABLE product_variants;
DROP TABLE products;
