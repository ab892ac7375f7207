package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailtrip/mailtrip/plant"
)

// found is where a planted message is now.
type found struct {
	folder string
	uid    imap.UID
	flags  string // maildirFlags of its flags
	sum    string // SHA-256 of BODY.PEEK[]
	byUID  bool   // found at the receipt's UIDVALIDITY/UID
}

// Verify checks that the message of r is still where it was planted,
// unmodified, with the flags it was planted with. It only EXAMINEs
// folders and fetches with BODY.PEEK[], so it changes nothing.
func (t *Target) Verify(ctx context.Context, r plant.Receipt) (plant.Status, error) {
	if err := checkReceipt(r); err != nil {
		return plant.Status{}, err
	}
	s, err := t.connect(ctx)
	if err != nil {
		return plant.Status{}, err
	}
	defer s.close()
	f, ok, notes, err := s.locate(r)
	if err != nil {
		return plant.Status{}, err
	}
	if !ok {
		return plant.Status{Detail: fmt.Sprintf("deleted: %v (no UID %d in %s, no message with Message-ID %s in any folder of %s)",
			plant.ErrGone, UID(r), r.Folder, r.MessageID, t.url)}, nil
	}
	var st plant.Status
	if f.folder != r.Folder {
		st.Moved = f.folder
		notes = append(notes, fmt.Sprintf("moved from %s to %s (UID %d)", r.Folder, f.folder, f.uid))
	}
	if f.sum != r.SHA256 {
		st.Modified = true
		notes = append(notes, "modified: its content differs from what was planted")
	}
	if planted := PlantedFlags(r); f.flags != planted {
		st.FlagsChanged = f.flags
		if st.FlagsChanged == "" {
			st.FlagsChanged = "-"
		}
		note := fmt.Sprintf("flags changed from %q to %q", planted, f.flags)
		if strings.Contains(f.flags, "S") && !strings.Contains(planted, "S") {
			note += " (someone read it)"
		}
		notes = append(notes, note)
	}
	st.Present = st.Moved == "" && !st.Modified
	if len(notes) > 0 {
		st.Detail = strings.Join(notes, "; ")
	} else {
		st.Detail = fmt.Sprintf("present in %s (UID %d)", r.Folder, f.uid)
	}
	return st, nil
}

// Remove deletes exactly the planted message: \Deleted on its UID, then
// UID EXPUNGE of that UID, leaving every other message (also those the
// user marked \Deleted) as it was. A message moved to another folder is
// removed there. A message already gone is not an error; one whose bytes
// changed is refused with plant.ErrModified.
func (t *Target) Remove(ctx context.Context, r plant.Receipt) error {
	if err := checkReceipt(r); err != nil {
		return err
	}
	s, err := t.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	caps := s.c.Caps()
	if !caps.Has(imap.CapUIDPlus) && !caps.Has(imap.CapIMAP4rev2) {
		return fmt.Errorf("remove decoy %s from %s: %w; refusing to EXPUNGE, which would also expunge the user's own \\Deleted messages (remove it by hand)", r.MessageID, s.addr, ErrNoUIDPlus)
	}
	f, ok, _, err := s.locate(r)
	if err != nil || !ok {
		return err
	}
	if f.sum != r.SHA256 {
		return fmt.Errorf("refusing to remove UID %d in %s at %s: %w (it may have been edited or replaced; remove it by hand if it is the decoy)", f.uid, f.folder, s.addr, plant.ErrModified)
	}
	// Only now SELECT (read-write), and only the folder that holds it.
	if _, ok, err := s.selectFolder(f.folder, false); err != nil || !ok {
		return err
	}
	set := imap.UIDSetNum(f.uid)
	s.refresh()
	err = s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	if err != nil {
		if isNoPerm(err) {
			return t.scrub(fmt.Errorf("remove UID %d from %s at %s: %w for user %s: %v", f.uid, f.folder, s.addr, ErrReadOnly, t.user, err))
		}
		return s.wrap(fmt.Errorf("mark UID %d in %s deleted: %w", f.uid, f.folder, err))
	}
	s.refresh()
	if _, err := s.c.UIDExpunge(set).Collect(); err != nil {
		return s.wrap(fmt.Errorf("UID EXPUNGE %d in %s: %w", f.uid, f.folder, err))
	}
	return nil
}

func checkReceipt(r plant.Receipt) error {
	if r.Kind != KindIMAP {
		return fmt.Errorf("%w: receipt of kind %q given to an IMAP target", plant.ErrSpec, r.Kind)
	}
	if r.Folder == "" || r.Offset <= 0 && r.MessageID == "" {
		return fmt.Errorf("%w: IMAP receipt without folder, or without UID and Message-ID", plant.ErrSpec)
	}
	return nil
}

// locate finds the message of r: at its UID when the folder's
// UIDVALIDITY is unchanged, else by Message-ID in its folder, else by
// Message-ID in every other folder. It only EXAMINEs folders. notes say
// how it was found when that is worth telling.
func (s *session) locate(r plant.Receipt) (f found, ok bool, notes []string, err error) {
	data, exists, err := s.selectFolder(r.Folder, true)
	if err != nil {
		return f, false, nil, err
	}
	if exists {
		if data.UIDValidity == UIDValidity(r) && r.Offset > 0 {
			got, ok, err := s.fetch(imap.UID(UID(r)))
			if err != nil || ok {
				got.folder, got.byUID = r.Folder, true
				return got, ok, nil, err
			}
		} else if r.Offset > 0 {
			notes = append(notes, fmt.Sprintf("UIDVALIDITY of %s changed from %d to %d", r.Folder, UIDValidity(r), data.UIDValidity))
		}
		got, ok, err := s.findByMessageID(r)
		if err != nil || ok {
			got.folder = r.Folder
			return got, ok, notes, err
		}
	}
	if r.MessageID == "" {
		return f, false, notes, nil
	}
	s.refresh()
	list, err := s.c.List("", "*", nil).Collect()
	if err != nil {
		return f, false, notes, s.wrap(fmt.Errorf("list folders: %w", err))
	}
	for _, l := range list {
		if strings.EqualFold(l.Mailbox, r.Folder) || slices.ContainsFunc(l.Attrs, func(a imap.MailboxAttr) bool {
			return strings.EqualFold(string(a), string(imap.MailboxAttrNoSelect)) || strings.EqualFold(string(a), string(imap.MailboxAttrNonExistent))
		}) {
			continue
		}
		if _, exists, err := s.selectFolder(l.Mailbox, true); err != nil || !exists {
			if err != nil {
				return f, false, notes, err
			}
			continue
		}
		got, ok, err := s.findByMessageID(r)
		if err != nil || ok {
			got.folder = l.Mailbox
			return got, ok, notes, err
		}
	}
	return f, false, notes, nil
}

// findByMessageID looks in the selected folder for a message with r's
// Message-ID, preferring one whose bytes match.
func (s *session) findByMessageID(r plant.Receipt) (found, bool, error) {
	if r.MessageID == "" {
		return found{}, false, nil
	}
	uids, err := s.searchMessageID(r.MessageID)
	if err != nil || len(uids) == 0 {
		return found{}, false, err
	}
	var first found
	for _, uid := range slices.Backward(uids) {
		f, ok, err := s.fetch(uid)
		if err != nil {
			return found{}, false, err
		}
		if !ok {
			continue
		}
		if f.sum == r.SHA256 {
			return f, true, nil
		}
		if first.uid == 0 {
			first = f // the newest, when none matches
		}
	}
	return first, first.uid != 0, nil
}

// searchMessageID returns the UIDs in the selected folder whose
// Message-ID field contains mid.
func (s *session) searchMessageID(mid string) ([]imap.UID, error) {
	s.refresh()
	data, err := s.c.UIDSearch(&imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: mid}},
	}, nil).Wait()
	if err != nil {
		return nil, s.wrap(fmt.Errorf("search %s for Message-ID %s: %w", s.selected, mid, err))
	}
	return data.AllUIDs(), nil
}

// fetch reads the flags and whole message at uid in the selected folder
// without setting \Seen.
func (s *session) fetch(uid imap.UID) (found, bool, error) {
	s.refresh()
	sec := &imap.FetchItemBodySection{Peek: true}
	msgs, err := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{sec},
	}).Collect()
	if err != nil {
		return found{}, false, s.wrap(fmt.Errorf("fetch UID %d in %s: %w", uid, s.selected, err))
	}
	for _, m := range msgs {
		if m.UID != uid {
			continue
		}
		return found{uid: uid, flags: maildirFlags(m.Flags), sum: hexSHA(m.FindBodySection(sec))}, true, nil
	}
	return found{}, false, nil
}
