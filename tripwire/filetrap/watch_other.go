//go:build !linux

package filetrap

func newFanotify() (watcher, error) { return nil, ErrUnsupported }

func newInotify() (watcher, error) { return nil, ErrUnsupported }
