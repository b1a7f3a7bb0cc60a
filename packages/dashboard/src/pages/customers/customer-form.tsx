// The customer form used to add and to edit one: name, phone, WhatsApp id, price tier, tags
// (comma separated), addresses (added and removed) and notes. It hands the parent the API's body.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Address, Customer } from "./customers.queries";

export interface CustomerDraft {
  name: string;
  phone: string | null;
  whatsappId: string | null;
  priceTier: string;
  tags: string[];
  addresses: Address[];
  notes: string;
}

const emptyAddress = (): Address => ({ label: "", line1: "", line2: "", city: "", state: "", postalCode: "", country: "", notes: "" });

const ADDRESS_FIELDS = ["label", "line1", "line2", "city", "state", "postalCode", "country", "notes"] as const;

function AddressEditor({ index, address, onChange, onRemove }: { index: number; address: Address; onChange(next: Address): void; onRemove(): void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset className="provider">
      <legend>{t("customers.addressNumber", { number: index + 1 })}</legend>
      {ADDRESS_FIELDS.map((field) => (
        <div className="field" key={field}>
          <label htmlFor={`${id}-${field}`}>
            {t(`customers.addressFields.${field}`)} {field === "line1" ? "" : t("common.optional")}
          </label>
          <input id={`${id}-${field}`} required={field === "line1"} value={address[field]} onChange={(event) => onChange({ ...address, [field]: event.target.value })} />
        </div>
      ))}
      <button type="button" className="button secondary" onClick={onRemove}>
        {t("customers.removeAddress", { number: index + 1 })}
      </button>
    </fieldset>
  );
}

export function CustomerForm({ initial, submitLabel, pending, onSubmit, children }: { initial?: Customer; submitLabel: string; pending: boolean; onSubmit(draft: CustomerDraft): void; children?: ReactNode }) {
  const { t } = useTranslation();
  const [name, setName] = useState(initial?.name ?? "");
  const [phone, setPhone] = useState(initial?.phone ?? "");
  const [whatsappId, setWhatsappId] = useState(initial?.whatsappId ?? "");
  const [priceTier, setPriceTier] = useState(initial?.priceTier ?? "retail");
  const [tags, setTags] = useState((initial?.tags ?? []).join(", "));
  const [addresses, setAddresses] = useState<Address[]>(initial?.addresses ?? []);
  const [notes, setNotes] = useState(initial?.notes ?? "");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit({
      name: name.trim(),
      phone: phone.trim() || null,
      whatsappId: whatsappId.trim() || null,
      priceTier: priceTier.trim(),
      tags: [...new Set(tags.split(",").map((tag) => tag.trim()).filter(Boolean))],
      addresses,
      notes,
    });
  };

  return (
    <form className="form wide" onSubmit={submit}>
      <label>
        {t("customers.name")}
        <input name="name" required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        {t("customers.phone")} {t("common.optional")}
        <input name="phone" type="tel" inputMode="tel" pattern="\+?[0-9]{7,15}" aria-describedby="phone-help" value={phone} onChange={(event) => setPhone(event.target.value)} />
      </label>
      <p id="phone-help" className="help">
        {t("customers.phoneHelp")}
      </p>
      <label>
        {t("customers.whatsappId")} {t("common.optional")}
        <input name="whatsappId" value={whatsappId} onChange={(event) => setWhatsappId(event.target.value)} />
      </label>
      <label>
        {t("customers.priceTier")}
        <input name="priceTier" required pattern="[a-z][a-z0-9_]{0,31}" aria-describedby="tier-help" value={priceTier} onChange={(event) => setPriceTier(event.target.value)} />
      </label>
      <p id="tier-help" className="help">
        {t("customers.priceTierHelp")}
      </p>
      <label>
        {t("customers.tags")} {t("common.optional")}
        <input name="tags" aria-describedby="tags-help" value={tags} onChange={(event) => setTags(event.target.value)} />
      </label>
      <p id="tags-help" className="help">
        {t("customers.tagsHelp")}
      </p>
      {addresses.map((address, index) => (
        <AddressEditor
          key={index}
          index={index}
          address={address}
          onChange={(next) => setAddresses((list) => list.map((item, at) => (at === index ? next : item)))}
          onRemove={() => setAddresses((list) => list.filter((_, at) => at !== index))}
        />
      ))}
      <button type="button" className="button secondary" disabled={addresses.length >= 10} onClick={() => setAddresses((list) => [...list, emptyAddress()])}>
        {t("customers.addAddress")}
      </button>
      <label>
        {t("customers.notes")} {t("common.optional")}
        <textarea name="notes" maxLength={4000} rows={4} value={notes} onChange={(event) => setNotes(event.target.value)} />
      </label>
      {children}
      <div className="row">
        <button type="submit" className="button" disabled={pending}>
          {pending ? t("common.working") : submitLabel}
        </button>
      </div>
    </form>
  );
}
