"""Mail's database cache (nextcloud/mail v5.11.2, e5734fe2 lineage; ``appinfo/info.xml`` NC 32-35).

Mail never answers list or read calls from IMAP directly: accounts, mailboxes and message headers are rows of
``oc_mail_accounts``, ``oc_mail_mailboxes`` and ``oc_mail_messages`` that ``MailboxSync``/``ImapToDbSynchronizer``
keep in step with the IMAP server. The fake models that cache *after* a sync, so no IMAP server is needed:

* ids (accounts, mailboxes, messages) are auto-increment columns, global across users; a message row is one
  (mailbox, IMAP UID) pair, so an IMAP ``MOVE`` (``MailManager::moveMessage``, ``deleteMessageWithClient`` to the
  trash) ends, after the next sync, with the source row gone and a new row (new id, new UID) in the target.
* ``Mailbox::jsonSerialize`` (lib/Db/Mailbox.php): ``databaseId``, ``id`` = base64(name), ``unread`` = the
  ``unseen`` column (IMAP ``STATUS UNSEEN``, here counted from the cached flags).
* ``Message::jsonSerialize`` (lib/Db/Message.php) for list rows; ``IMAPMessage::getFullMessage``
  (lib/Model/IMAPMessage.php) for one message: a plain-text body is split from its ``-- `` signature
  (``HtmlService::parseMailBody``) and all attachments are listed; an HTML body is sent as HTML.
* ``FilterStringParser::parse`` (lib/Service/Search/FilterStringParser.php): space-separated ``type:value``
  tokens, others ignored; ``MessageMapper::findIdsByQuery``: the text criteria (from/to/cc/bcc/subject) are
  OR-ed ``iLike '%value%'``, the flags AND-ed, the cursor is ``sent_at < cursor`` (newest first).
* Drafts and the outbox are ``LocalMessage`` rows (``oc_mail_local_messages``, lib/Db/LocalMessage.php), not
  IMAP: ``type`` 1 = draft (``TYPE_DRAFT``), 0 = outgoing (``TYPE_OUTGOING``); recipients are ``Recipient`` rows
  (lib/Db/Recipient.php, ``type`` 1 to, 2 cc, 3 bcc). ``LocalMessageMapper::findById($id, $userId, $type)`` joins
  the user's accounts: another user's row, or a row of the other type, is ``DoesNotExistException``.
* A thread is every cached message of the account with the same ``thread_root_id``
  (``MessageMapper::findThread``, newest first); the threader gives a root message its own Message-ID.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from fake_nextcloud.core.state import FakeState

__all__ = ["SPECIAL_USES", "Account", "LocalMessage", "MailBackend", "Mailbox", "Message", "matches"]

#: ``Mailbox::getSpecialUseParsed`` values the fake knows (IMAP SPECIAL-USE without the backslash, lowercase).
SPECIAL_USES = ("inbox", "sent", "drafts", "trash", "junk", "archive")
_FLAGS = ("seen", "flagged", "answered", "deleted", "draft", "forwarded", "important")


@dataclass
class Account:
    """``MailAccount`` (``oc_mail_accounts``): the special mailboxes are the ``*_mailbox_id`` columns."""

    id: int
    user: str
    email: str
    name: str
    aliases: list[dict[str, Any]] = field(default_factory=list)
    sent_mailbox_id: int | None = None
    trash_mailbox_id: int | None = None
    drafts_mailbox_id: int | None = None


@dataclass
class Mailbox:
    id: int
    account_id: int
    name: str
    special_use: list[str] = field(default_factory=list)
    next_uid: int = 1


@dataclass
class Message:
    id: int
    mailbox_id: int
    uid: int
    subject: str
    sent_at: int
    sender: list[dict[str, str]]
    to: list[dict[str, str]]
    cc: list[dict[str, str]] = field(default_factory=list)
    bcc: list[dict[str, str]] = field(default_factory=list)
    body: str = ""
    html: bool = False
    flags: dict[str, bool] = field(default_factory=dict)
    message_id: str = ""
    in_reply_to: str | None = None
    thread_root_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LocalMessage:
    """``LocalMessage`` (a draft or an outbox message) with its ``Recipient`` rows."""

    id: int
    type: int
    account_id: int
    subject: str
    updated_at: int
    body_plain: str | None = None
    body_html: str | None = None
    editor_body: str | None = None
    html: bool = False
    alias_id: int | None = None
    in_reply_to: str | None = None
    send_at: int | None = None
    failed: bool = False
    status: int = 0  # STATUS_RAW
    recipients: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # Recipient type -> {label, email}


TYPE_OUTGOING, TYPE_DRAFT = 0, 1
RECIPIENT_TYPES = {"to": 1, "cc": 2, "bcc": 3}


def _addresses(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """``AddressList::jsonSerialize``: ``{label, email}`` (label = the address when no name is given)."""
    return [{"label": a.get("label") or a["email"], "email": a["email"]} for a in items]


class MailBackend:
    """All accounts, mailboxes and cached messages. Use ``MailBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.accounts: dict[int, Account] = {}
        self.mailboxes: dict[int, Mailbox] = {}
        self.messages: dict[int, Message] = {}
        self.local: dict[int, LocalMessage] = {}
        self._ids = {"account": 0, "mailbox": 0, "message": 0, "alias": 0, "local": 0, "recipient": 0}

    @classmethod
    def of(cls, state: FakeState) -> MailBackend:
        return state.backend("mail", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # --- lookups as the services do them (user-scoped: another user's id is DoesNotExist) -------------------

    def account(self, uid: str, account_id: int) -> Account | None:
        """``AccountService::find`` (``ClientException`` when missing or another user's)."""
        account = self.accounts.get(account_id)
        return account if account is not None and account.user == uid else None

    def accounts_of(self, uid: str) -> list[Account]:
        return [a for a in self.accounts.values() if a.user == uid]

    def mailbox(self, uid: str, mailbox_id: int) -> Mailbox | None:
        """``MailManager::getMailbox`` (``MailboxMapper::findByUid``: joined to the user's accounts)."""
        mailbox = self.mailboxes.get(mailbox_id)
        return mailbox if mailbox is not None and self.account(uid, mailbox.account_id) is not None else None

    def mailboxes_of(self, account: Account) -> list[Mailbox]:
        """``MailManager::getMailboxes`` (``MailboxMapper::findAll``, by name)."""
        return sorted((m for m in self.mailboxes.values() if m.account_id == account.id), key=lambda m: m.name)

    def message(self, uid: str, message_id: int) -> Message | None:
        """``MailManager::getMessage`` (``MessageMapper::findByUserId``)."""
        message = self.messages.get(message_id)
        return message if message is not None and self.mailbox(uid, message.mailbox_id) is not None else None

    def local_message(self, uid: str, local_id: int, type_: int) -> LocalMessage | None:
        """``LocalMessageMapper::findById`` (``DraftsService``/``OutboxService::getMessage``)."""
        found = self.local.get(local_id)
        ok = found is not None and found.type == type_ and self.account(uid, found.account_id) is not None
        return found if ok else None

    def thread(self, account: Account, root: str) -> list[Message]:
        """``MessageMapper::findThread``: the account's messages with this thread root, newest first."""
        boxes = {m.id for m in self.mailboxes_of(account)}
        found = [m for m in self.messages.values() if m.mailbox_id in boxes and self.root(m) == root]
        return sorted(found, key=lambda m: (-m.sent_at, -m.id))

    @staticmethod
    def root(message: Message) -> str:
        return message.thread_root_id or message.message_id

    # --- writes ------------------------------------------------------------------------------------------------

    def add_message(self, mailbox: Mailbox, **fields: Any) -> Message:
        """A message appended to ``mailbox`` and cached by the next sync (new id, the mailbox's next UID)."""
        fields.setdefault("sent_at", self.state.time())
        fields.setdefault("message_id", f"<fake-{self._ids['message'] + 1}@nextcloud.invalid>")
        message = Message(self.next_id("message"), mailbox.id, mailbox.next_uid, **fields)
        mailbox.next_uid += 1
        self.messages[message.id] = message
        return message

    def move(self, message: Message, target: Mailbox) -> Message:
        """IMAP ``MOVE`` then sync: the row leaves the source; the target gets a new row (id, UID)."""
        del self.messages[message.id]
        kept = {k: getattr(message, k) for k in Message.__dataclass_fields__ if k not in ("id", "mailbox_id", "uid")}
        return self.add_message(target, **kept)

    def unseen(self, mailbox: Mailbox) -> int:
        return sum(1 for m in self.messages.values() if m.mailbox_id == mailbox.id and not m.flags.get("seen"))

    def local_json(self, local: LocalMessage) -> dict[str, Any]:
        """``LocalMessage::jsonSerialize`` (``Recipient::jsonSerialize`` for the recipients)."""

        def people(kind: int) -> list[dict[str, Any]]:
            return [
                {"id": r["id"], "messageId": None, "localMessageId": local.id, "type": kind, "label": r["label"],
                 "email": r["email"]}
                for r in local.recipients.get(kind, [])
            ]  # fmt: skip

        return {
            "id": local.id, "type": local.type, "accountId": local.account_id, "aliasId": local.alias_id,
            "sendAt": local.send_at, "updatedAt": local.updated_at, "subject": local.subject,
            "bodyPlain": local.body_plain, "bodyHtml": local.body_html, "editorBody": local.editor_body,
            "isHtml": local.html, "isPgpMime": False, "inReplyToMessageId": local.in_reply_to, "attachments": [],
            "from": people(0), "to": people(1), "cc": people(2), "bcc": people(3), "failed": local.failed,
            "smimeCertificateId": None, "smimeSign": False, "smimeEncrypt": False, "status": local.status,
            "raw": None, "requestMdn": False,
        }  # fmt: skip

    # --- JSON ----------------------------------------------------------------------------------------------------

    def mailbox_json(self, mailbox: Mailbox) -> dict[str, Any]:
        """``Mailbox::jsonSerialize``."""
        special = list(mailbox.special_use)
        return {
            "databaseId": mailbox.id,
            "id": base64.b64encode(mailbox.name.encode()).decode(),
            "name": mailbox.name,
            "accountId": mailbox.account_id,
            "displayName": mailbox.name,
            "attributes": [f"\\{s}" for s in special],
            "delimiter": "/",
            "specialUse": special,
            "specialRole": special[0] if special else 0,
            "mailboxes": [],
            "syncInBackground": False,
            "unread": self.unseen(mailbox),
            "myAcls": None,
            "shared": False,
            "cacheBuster": "0",
        }

    @staticmethod
    def flags_json(message: Message) -> dict[str, bool]:
        flags = {name: bool(message.flags.get(name)) for name in _FLAGS if name != "important"}
        flags["hasAttachments"] = bool(message.attachments)
        flags["important"] = bool(message.flags.get("important"))
        return flags

    def message_json(self, message: Message) -> dict[str, Any]:
        """``Message::jsonSerialize`` (a list row)."""
        flags = self.flags_json(message) | {"$junk": False, "$notjunk": False, "$mdnsent": False}
        return {
            "databaseId": message.id,
            "uid": message.uid,
            "remoteId": None,
            "subject": message.subject,
            "dateInt": message.sent_at,
            "flags": flags,
            "tags": [],
            "from": _addresses(message.sender),
            "to": _addresses(message.to),
            "cc": _addresses(message.cc),
            "bcc": _addresses(message.bcc),
            "mailboxId": message.mailbox_id,
            "messageId": message.message_id,
            "inReplyTo": message.in_reply_to,
            "references": None,
            "threadRootId": message.thread_root_id or message.message_id,
            "imipMessage": False,
            "previewText": re.sub(r"\s+", " ", message.body)[:255] if not message.html else None,
            "summary": None,
            "encrypted": False,
            "mentionsMe": False,
            "avatar": None,
            "fetchAvatarFromClient": False,
            "attachments": [],
        }

    def full_json(self, message: Message, url: str) -> dict[str, Any]:
        """``MessageApiController::get``: ``IMAPMessage::getFullMessage`` plus id, smime, rawUrl, download urls.
        Attachments as ``ImapMessageFetcher`` lists them: ``id`` is the MIME part id, ``messageId`` the UID."""
        attachments = [
            {
                "id": str(a["id"]), "messageId": message.uid, "fileName": a["fileName"], "mime": a["mime"],
                "size": int(a["size"]), "cid": None, "disposition": "attachment",
                "downloadUrl": f"{url}/message/{message.id}/attachment/{a['id']}",
            }
            for a in message.attachments
        ]  # fmt: skip
        data: dict[str, Any] = {
            "uid": message.uid,
            "messageId": message.message_id,
            "from": _addresses(message.sender),
            "to": _addresses(message.to),
            "replyTo": [],
            "cc": _addresses(message.cc),
            "bcc": _addresses(message.bcc),
            "subject": message.subject,
            "dateInt": message.sent_at,
            "flags": self.flags_json(message),
            "hasHtmlBody": message.html,
            "dispositionNotificationTo": "",
            "hasDkimSignature": False,
            "phishingDetails": {"checks": [], "warning": False},
            "unsubscribeUrl": None,
            "isOneClickUnsubscribe": False,
            "unsubscribeMailto": None,
            "scheduling": [],
            "isPgpMimeEncrypted": False,
            "attachments": attachments,
            "inlineAttachments": [],
            "body": message.body,
        }
        if not message.html:  # HtmlService::parseMailBody: the signature after "-- " is sent apart
            body, _, signature = message.body.partition("\n-- \n")
            data |= {"body": body, "signature": signature or None}
        return data | {
            "id": message.id,
            "isSenderTrusted": False,
            "smime": {"isSigned": False, "signatureIsValid": None, "isEncrypted": False},
            "rawUrl": f"{url}/message/{message.id}/raw",
        }


def matches(message: Message, filter_text: str | None) -> bool:
    """``FilterStringParser::parse`` + ``MessageMapper::findIdsByQuery`` (text criteria OR-ed, flags AND-ed)."""
    texts: list[bool] = []
    for token in (filter_text or "").split(" "):
        if ":" not in token:
            continue  # parseFilterToken returns false: ignored
        kind, _, raw = token.partition(":")
        value, kind = unquote_plus(raw.split(":")[0]).lower(), kind.lower()
        if kind in ("is", "not"):
            flag = {"read": "seen", "unread": "seen", "starred": "flagged", "answered": "answered"}.get(value)
            if flag is None:
                continue
            wanted = (value != "unread") == (kind == "is")
            if bool(message.flags.get(flag)) != wanted:
                return False
        elif kind in ("from", "to", "cc", "bcc"):
            people = {"from": message.sender, "to": message.to, "cc": message.cc, "bcc": message.bcc}[kind]
            texts.append(any(value in a["email"].lower() or value in a.get("label", "").lower() for a in people))
        elif kind == "subject":
            texts.append(value in message.subject.lower())
        elif kind == "body":  # MailSearch: body criteria go to IMAP SEARCH BODY (substring, case-insensitive)
            texts.append(value in message.body.lower())
    return not texts or any(texts)
